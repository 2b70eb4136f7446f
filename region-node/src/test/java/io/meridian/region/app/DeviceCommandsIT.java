package io.meridian.region.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.keycloak.MeridianRealm;
import io.meridian.local.service.Federation;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.Vertx;
import io.vertx.mqtt.MqttClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The data API's command, device-list and device-count operations on a real Kafka, Cassandra and Keycloak: commands go
 * through Hono's Kafka command topic to devices subscribed on the node's MQTT adapter (mosquitto_sub and the Vert.x
 * client), a request-response command returns the device's answer only to this region's gateway, and the device list
 * (device identities, raw) goes only to this region's gateway while the count goes to any. The API's server span
 * continues the caller's W3C traceparent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
// uk-south as DataPlaneIT (the classes run one after the other); a tenant of its own, since services are shared
@MeridianServices(cassandra = "uk-south", kafka = "uk-south", keycloak = true)
class DeviceCommandsIT {

    private static final String REGION = "uk-south";
    private static final Duration WAIT = DataTestNode.WAIT;

    private final String tenant = "cmdapi-" + UUID.randomUUID().toString().substring(0, 8);
    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private OpenTelemetrySdk sdk;
    private Vertx vertx;
    private DataTestNode node;
    private KeycloakService keycloak;
    private String homeGateway;
    private String usGateway;
    private String auditor;

    @BeforeAll
    void start(Federation federation, KeycloakService keycloak) throws Exception {
        this.keycloak = keycloak;
        vertx = Vertx.vertx();
        sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();
        node = new DataTestNode(vertx, REGION, federation.cassandra(REGION), federation.kafka(REGION).bootstrapServers(), keycloak, sdk);
        node.createTenant(tenant, new JsonObject());
        node.registerDevice(tenant, "lamp-a", Map.of("model", "classic"));
        node.registerDevice(tenant, "lamp-b", Map.of("model", "studio"));
        node.registerDevice(tenant, "lamp-c", Map.of());
        homeGateway = node.client.gatewayToken(keycloak, REGION);
        usGateway = node.client.gatewayToken(keycloak, "us-east");
        auditor = node.client.userToken(keycloak, MeridianRealm.AUDITOR);
    }

    @AfterAll
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (vertx != null) {
            DataTestNode.await(vertx.close());
        }
        if (sdk != null) {
            sdk.close();
        }
    }

    private String commands(String device) {
        return "/v1/tenants/" + tenant + "/devices/" + device + "/commands";
    }

    @Test
    @Order(1)
    void oneWayCommand_fromAnotherRegionsGateway_reachesAMosquittoSubscriber() throws Exception {
        List<String> sub = List.of("mosquitto_sub", "-h", "127.0.0.1", "-p", String.valueOf(node.mqtt.port()), "-i", "it-sub-" + UUID.randomUUID(),
                "-u", "lamp-a@" + tenant, "-P", DataTestNode.PASSWORD, "-q", "1", "-t", "command///req/#", "-v", "-C", "1", "-W", "120");
        Process subscriber = new ProcessBuilder(sub).redirectErrorStream(true).start();
        try {
            BlockingQueue<String> lines = lines(subscriber);
            // the subscription is registered once the command router knows the device; retry the send until it arrives
            Instant deadline = Instant.now().plus(WAIT);
            String received = null;
            while (received == null && Instant.now().isBefore(deadline)) {
                HttpResponse<String> sent = node.post(commands("lamp-a"), usGateway, "{\"name\": \"setBrightness\", \"payload\": {\"brightness\": 42}}");
                assertEquals(202, sent.statusCode(), sent.body());
                JsonObject body = new JsonObject(sent.body());
                assertEquals(true, body.getBoolean("accepted"));
                assertTrue(body.getString("delivery").contains("one-way"), body.encode());
                received = lines.poll(3, TimeUnit.SECONDS);
            }
            assertNotNull(received, "mosquitto_sub printed nothing within " + WAIT);
            assertEquals("command///req//setBrightness {\"brightness\":42}", received);
        } finally {
            subscriber.destroyForcibly();
            subscriber.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(2)
    void requestResponseCommand_forThisRegionsGateway_returnsTheDevicesAnswer() throws Exception {
        MqttClient device = node.connect(tenant, "lamp-b");
        CompletableFuture<Void> subscribed = new CompletableFuture<>();
        device.subscribeCompletionHandler(ack -> subscribed.complete(null));
        DataTestNode.await(device.subscribe("command///req/#", 1));
        subscribed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        // the device answers getLumen with 200 and its lumen
        device.publishHandler(m -> {
            Matcher topic = Pattern.compile("command///req/([^/]+)/getLumen").matcher(m.topicName());
            if (topic.matches()) {
                device.publish("command///res/" + topic.group(1) + "/200/?content-type=application%2Fjson", Buffer.buffer("{\"lumen\": 812}"),
                        MqttQoS.AT_LEAST_ONCE, false, false);
            }
        });
        try {
            HttpResponse<String> answer = null;
            Instant deadline = Instant.now().plus(WAIT);
            // right after SUBACK the router may still be registering the consumer; Hono then answers "not delivered"
            do {
                answer = node.post(commands("lamp-b"), homeGateway,
                        "{\"name\": \"getLumen\", \"payload\": {}, \"responseRequired\": true, \"timeout\": \"PT10S\"}");
                if (answer.statusCode() == 503) {
                    Thread.sleep(500);
                }
            } while (answer.statusCode() == 503 && Instant.now().isBefore(deadline));
            assertEquals(200, answer.statusCode(), answer.body());
            JsonObject body = new JsonObject(answer.body());
            assertEquals(200, body.getInteger("status"));
            assertEquals(new JsonObject().put("lumen", 812), body.getJsonObject("payload"));
            assertEquals("lamp-b", body.getString("device"));
        } finally {
            DataTestNode.await(device.disconnect());
        }
    }

    @Test
    @Order(3)
    void requestResponseCommand_forAnotherRegionsGateway_is451_andTheDenyIsLogged() throws Exception {
        HttpResponse<String> refused = node.post(commands("lamp-b"), usGateway, "{\"name\": \"getLumen\", \"responseRequired\": true}");
        assertEquals(451, refused.statusCode(), refused.body());
        JsonObject problem = new JsonObject(refused.body());
        assertEquals("R1", problem.getString("rule"));
        assertEquals(REGION, problem.getString("homeRegion"));
        JsonObject record = decision(problem.getLong("decisionSequence"));
        assertEquals(problem.getString("decisionId"), record.getString("decisionId"));
        assertEquals("DENY", record.getString("outcome"));
        assertEquals("us-east", record.getString("destinationRegion"));
        assertEquals(tenant, record.getString("tenant"));
    }

    @Test
    @Order(4)
    void requestResponseCommand_toADeviceNotSubscribed_is503NotDelivered() throws Exception {
        HttpResponse<String> answer = node.post(commands("lamp-c"), homeGateway, "{\"name\": \"getLumen\", \"responseRequired\": true}");
        assertEquals(503, answer.statusCode(), answer.body());
        JsonObject problem = new JsonObject(answer.body());
        assertTrue(problem.getString("type").endsWith("/command-not-delivered"), problem.encode());
        assertTrue(problem.getString("detail").contains("could not be delivered to device lamp-c"), problem.encode());
        int honoStatus = problem.getInteger("commandStatus");
        assertTrue(honoStatus >= 500 && honoStatus < 600, problem.encode());
    }

    @Test
    @Order(5)
    void commands_refuseUnknownDevicesBadBodiesAndOtherTenants_namingTheProblem() throws Exception {
        assertProblem(node.post(commands("no-such-lamp"), homeGateway, "{\"name\": \"x\"}"), 404, "device no-such-lamp of tenant " + tenant
                + " is not registered in region " + REGION);
        assertProblem(node.post(commands("lamp-a"), homeGateway, null), 400, "a JSON body");
        assertProblem(node.post(commands("lamp-a"), homeGateway, "[1]"), 400, "must be a JSON object");
        assertProblem(node.post(commands("lamp-a"), homeGateway, "{\"payload\": 1}"), 400, "name must be");
        assertProblem(node.post(commands("lamp-a"), homeGateway, "{\"name\": \"a/b\"}"), 400, "name must be");
        assertProblem(node.post(commands("lamp-a"), homeGateway, "{\"name\": \"x\", \"contentType\": \"json\"}"), 400, "contentType must be");
        assertProblem(node.post(commands("lamp-a"), homeGateway, "{\"name\": \"x\", \"responseRequired\": \"yes\"}"), 400,
                "responseRequired must be true or false");
        assertProblem(node.post(commands("lamp-a"), homeGateway, "{\"name\": \"x\", \"timeout\": \"soon\"}"), 400, "timeout must be an ISO-8601");
        assertProblem(node.post(commands("lamp-a"), homeGateway, "{\"name\": \"x\", \"timeout\": \"PT61S\"}"), 400, "between PT1S and PT1M");
        assertProblem(node.post(commands("lamp-a"), homeGateway, "{\"name\": \"x\", \"color\": 1}"), 400, "unknown field color");
        String lampAdmin = node.client.userToken(keycloak, MeridianRealm.LAMP_ADMIN);
        assertProblem(node.post(commands("lamp-a"), lampAdmin, "{\"name\": \"x\"}"), 403, "tenant is not " + tenant);
        assertProblem(node.post(commands("lamp-a"), auditor, "{\"name\": \"x\"}"), 403, "no tenant claim");
        assertProblem(node.post(commands("lamp-a"), null, "{\"name\": \"x\"}"), 401, "bearer token is required");
    }

    @Test
    @Order(6)
    void deviceList_goesOnlyToThisRegionsGateway_inPages_andTheCountToAnyGateway() throws Exception {
        String base = "/v1/tenants/" + tenant + "/devices";
        HttpResponse<String> first = node.get(base + "?pageSize=2", homeGateway);
        assertEquals(200, first.statusCode(), first.body());
        JsonObject page = new JsonObject(first.body());
        assertEquals(new JsonArray().add(new JsonObject().put("id", "lamp-a").put("enabled", true).put("labels", new JsonObject().put("model", "classic")))
                .add(new JsonObject().put("id", "lamp-b").put("enabled", true).put("labels", new JsonObject().put("model", "studio"))), page.getJsonArray("items"));
        assertEquals(2, page.getInteger("nextPageOffset"));
        JsonObject second = new JsonObject(node.get(base + "?pageSize=2&pageOffset=2", homeGateway).body());
        assertEquals(1, second.getJsonArray("items").size(), second.encode());
        assertEquals("lamp-c", second.getJsonArray("items").getJsonObject(0).getString("id"));
        assertFalse(second.containsKey("nextPageOffset"), second.encode());

        HttpResponse<String> refused = node.get(base, usGateway);
        assertEquals(451, refused.statusCode(), refused.body());
        JsonObject problem = new JsonObject(refused.body());
        assertEquals("DEVICE_IDENTITY", problem.getString("category"));
        JsonObject record = decision(problem.getLong("decisionSequence"));
        assertEquals("DENY", record.getString("outcome"));
        assertEquals(List.of("DEVICE_IDENTITY"), record.getJsonArray("categories").getList());
        assertFalse(refused.body().contains("lamp-a"), "the refusal names no device");

        HttpResponse<String> one = node.get(base + "/lamp-b", homeGateway);
        assertEquals(200, one.statusCode(), one.body());
        assertEquals(new JsonObject().put("model", "studio"), new JsonObject(one.body()).getJsonObject("labels"));
        assertEquals(451, node.get(base + "/lamp-b", usGateway).statusCode());
        assertProblem(node.get(base + "/no-such-lamp", homeGateway), 404, "is not registered in region " + REGION);

        for (String token : List.of(homeGateway, usGateway)) {
            HttpResponse<String> count = node.get(base + "/count", token);
            assertEquals(200, count.statusCode(), count.body());
            assertEquals(3, new JsonObject(count.body()).getLong("devices"));
        }
        assertProblem(node.get(base + "?pageSize=0", homeGateway), 400, "pageSize must be an integer between 1 and 500");
        assertProblem(node.get(base + "?pageOffset=-1", homeGateway), 400, "pageOffset must be an integer between 0 and 10000");
        assertProblem(node.get(base + "/count", node.client.userToken(keycloak, MeridianRealm.CARE_ANALYST)), 403, "tenant is not " + tenant);
    }

    @Test
    @Order(7)
    void theApisServerSpan_continuesTheCallersTraceparent_andNamesNoDevice() throws Exception {
        spans.reset();
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String parentId = "00f067aa0ba902b7";
        HttpResponse<String> r = node.client.send("GET", node.apiUri("/v1/tenants/" + tenant + "/devices/lamp-a/state"), homeGateway, null,
                "traceparent", "00-" + traceId + "-" + parentId + "-01");
        assertTrue(r.statusCode() == 200 || r.statusCode() == 404, r.body());
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (spans.getFinishedSpanItems().isEmpty() && Instant.now().isBefore(deadline)) {
            Thread.sleep(50);
        }
        List<SpanData> finished = spans.getFinishedSpanItems();
        assertEquals(1, finished.size(), finished.toString());
        SpanData span = finished.get(0);
        assertEquals(traceId, span.getTraceId());
        assertEquals(parentId, span.getParentSpanId());
        assertEquals(SpanKind.SERVER, span.getKind());
        assertEquals("GET /v1/tenants/:tenant/devices/:device/state", span.getName());
        assertFalse(span.toString().contains("lamp-a"), span.toString());
    }

    private JsonObject decision(long sequence) throws Exception {
        HttpResponse<String> log = node.get("/v1/decisions?from=" + sequence + "&limit=1", auditor);
        assertEquals(200, log.statusCode(), log.body());
        return new JsonObject(log.body()).getJsonArray("items").getJsonObject(0);
    }

    private static BlockingQueue<String> lines(Process process) {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (java.io.IOException e) {
                lines.add("read failed: " + e);
            }
        }, "mosquitto_sub-output");
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    private static void assertProblem(HttpResponse<String> response, int status, String detailPart) {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals("application/problem+json", response.headers().firstValue("content-type").orElse(""), response.body());
        String detail = new JsonObject(response.body()).getString("detail");
        assertTrue(detail.contains(detailPart), "detail '" + detail + "' should contain '" + detailPart + "'");
    }
}
