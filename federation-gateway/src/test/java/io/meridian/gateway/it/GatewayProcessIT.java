package io.meridian.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.keycloak.MeridianRealm;
import io.meridian.local.keycloak.RealmTokens;
import io.meridian.local.service.BackingService;
import io.meridian.local.service.Federation;
import io.meridian.local.service.ProcessBackedService;
import io.meridian.local.service.ServiceRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The gateway as {@code ./meridian up} runs it: a process started by local-federation's {@code GatewayProvider} from this
 * module's build, after the eu-central node and the catalog. A user's token gets the region directory through it, and a
 * stop leaves no process behind.
 */
@MeridianServices(cassandra = "eu-central", kafka = "eu-central", keycloak = true)
class GatewayProcessIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void gatewayProcess_servesTheRegionDirectory_andStopsCleanly(Federation federation, KeycloakService keycloak) throws Exception {
        federation.start(List.of(ServiceRequest.of("region-node", "eu-central")), Federation.Listener.NONE);
        federation.start(List.of(ServiceRequest.of("catalog")), Federation.Listener.NONE);
        federation.start(List.of(ServiceRequest.of("gateway", "eu-central")), Federation.Listener.NONE);
        BackingService gateway = federation.service("gateway-eu-central").orElseThrow();
        ProcessHandle process = assertInstanceOf(ProcessBackedService.class, gateway).process().orElseThrow().handle();
        String api = gateway.endpoints().get("api");
        assertEquals(api + "/openapi.json", gateway.endpoints().get("openapi"));
        try {
            String user = userToken(keycloak, MeridianRealm.LAMP_ANALYST);

            // the catalog's health poller finds eu-central UP within a few periods; the gateway relays its directory
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            JsonNode answer = null;
            String status = "";
            while (!"UP".equals(status) && System.nanoTime() < deadline) {
                HttpResponse<String> r = get(api + "/regions", user);
                assertEquals(200, r.statusCode(), r.body());
                answer = JSON.readTree(r.body());
                for (JsonNode region : answer.get("regions")) {
                    if (region.get("id").asText().equals("eu-central")) {
                        status = region.get("status").asText();
                    }
                }
                Thread.sleep(500);
            }
            assertEquals("UP", status, String.valueOf(answer));
            assertEquals("eu-central", answer.get("gateway").get("region").asText());
            assertEquals("EU", answer.get("gateway").get("jurisdiction").asText());

            HttpResponse<String> none = get(api + "/regions", null);
            assertEquals(401, none.statusCode(), none.body());
            assertEquals("application/problem+json", none.headers().firstValue("content-type").orElse(""));
        } finally {
            gateway.stop();
        }
        assertFalse(process.isAlive(), "gateway PID " + process.pid() + " must be gone after stop");
        assertFalse(gateway.isReady());
        // and nothing answers to that PID any more (it was reaped, or it is a zombie no longer alive)
        assertFalse(ProcessHandle.of(process.pid()).map(ProcessHandle::isAlive).orElse(false), "PID " + process.pid() + " is gone");
    }

    private HttpResponse<String> get(String uri, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri)).timeout(TIMEOUT).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String userToken(KeycloakService keycloak, MeridianRealm.DemoUser user) throws Exception {
        return RealmTokens.of(http, keycloak).user(user);
    }
}
