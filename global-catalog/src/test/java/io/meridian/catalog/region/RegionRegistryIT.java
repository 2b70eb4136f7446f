package io.meridian.catalog.region;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.keycloak.MeridianRealm;
import io.meridian.local.region.RegionNodeProcess;
import io.meridian.local.service.Federation;
import io.meridian.local.service.ServiceRequest;
import io.meridian.policy.model.RegionId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The catalog's region side against a real region node process (its own JVM, on a real Cassandra and Kafka) and a real
 * Keycloak: the registry client's calls as the node answers them, a device that then publishes with
 * {@code mosquitto_pub}, and the health poller with tenant catch-up across a stop and restart of the node.
 */
@MeridianServices(cassandra = "eu-central", kafka = "eu-central", keycloak = true)
class RegionRegistryIT {

    private static final RegionId EU = RegionId.of("eu-central");
    private static final RegionId US = RegionId.of("us-east");
    private static final Duration PERIOD = Duration.ofSeconds(1);
    private static final int FAILURES_TO_DOWN = 2;

    private static RegionNodeProcess node(Federation federation) {
        federation.start(List.of(ServiceRequest.of("region-node", "eu-central")), Federation.Listener.NONE);
        return (RegionNodeProcess) federation.service("region-node-eu-central").orElseThrow();
    }

    /** The node's endpoints: it runs on ephemeral ports, not its region's local block. */
    private static RegionEndpoints endpoints(RegionNodeProcess node) {
        RegionEndpoints e = new RegionEndpoints(URI.create(node.endpoints().get("registry")),
                URI.create("http://127.0.0.1:" + node.settings().managementPort() + RegionEndpoints.HEALTH_PATH), "127.0.0.1",
                OptionalInt.of(node.settings().mqttPort()), node.settings().mqttTlsPort(), URI.create(node.endpoints().get("http-adapter")),
                Optional.empty());
        return e.withCaPemFile(Path.of(node.endpoints().get("ca")));
    }

    private static RegionDirectory directory(Federation federation, RegionNodeProcess node) {
        return RegionDirectory.builder(federation.context().configs()).endpoints(EU, endpoints(node))
                .period(PERIOD).checkTimeout(PERIOD).failuresToDown(FAILURES_TO_DOWN).build();
    }

    private static ServiceToken token(KeycloakService keycloak) {
        return new ServiceToken(keycloak.tokenEndpoint(), MeridianRealm.CATALOG_CLIENT, MeridianRealm.CATALOG_SECRET);
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static JsonObject tenantWithRetention(int days) {
        return new JsonObject().put("enabled", true).put("ext", new JsonObject().put("meridian", new JsonObject().put("retention-days", days)));
    }

    /** The tenant as the registry returns it to a direct GET, or empty on 404. */
    private static Optional<JsonObject> tenantInRegistry(RegionEndpoints e, ServiceToken token, String tenant) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(e.registryResource("tenants", tenant)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token.get().get(10, TimeUnit.SECONDS)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 404) {
            return Optional.empty();
        }
        assertEquals(200, r.statusCode(), "GET tenant " + tenant + ": " + r.body());
        return Optional.of(new JsonObject(r.body()));
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    @Test
    void registryCalls_createUpdateConflictCredentialsDelete_andTheDevicePublishes(Federation federation, KeycloakService keycloak)
            throws Exception {
        RegionNodeProcess node = node(federation);
        ServiceToken token = token(keycloak);
        try (RegionDirectory directory = directory(federation, node)) {
            RegionRegistryClient client = new RegionRegistryClient(directory, token);
            RegionEndpoints eu = directory.endpoints(EU);
            String tenant = unique("cat");

            assertEquals(RegionRegistryClient.Upsert.CREATED, await(client.upsertTenant(EU, tenant, tenantWithRetention(30))));
            assertEquals(30, tenantInRegistry(eu, token, tenant).orElseThrow().getJsonObject("ext").getJsonObject("meridian")
                    .getInteger("retention-days"));
            assertEquals(RegionRegistryClient.Upsert.UPDATED, await(client.upsertTenant(EU, tenant, tenantWithRetention(60))));
            assertEquals(60, tenantInRegistry(eu, token, tenant).orElseThrow().getJsonObject("ext").getJsonObject("meridian")
                    .getInteger("retention-days"));

            JsonObject device = new JsonObject().put("enabled", true);
            assertEquals(RegionRegistryClient.Creation.CREATED, await(client.createDevice(EU, tenant, "lamp-1", device)));
            assertEquals(RegionRegistryClient.Creation.ALREADY_EXISTS, await(client.createDevice(EU, tenant, "lamp-1", device)));
            assertEquals(Boolean.TRUE, await(client.device(EU, tenant, "lamp-1")).orElseThrow().getBoolean("enabled"));
            await(client.setCredentials(EU, tenant, "lamp-1", new JsonArray().add(new JsonObject().put("type", "hashed-password")
                    .put("auth-id", "lamp-1").put("secrets", new JsonArray().add(new JsonObject().put("pwd-plain", "lamp-secret-1"))))));

            // the device connects where the directory says its region's MQTT adapter is
            Process pub = new ProcessBuilder("mosquitto_pub", "-h", eu.mqttHost(), "-p", Integer.toString(eu.mqttPort().getAsInt()),
                    "-u", "lamp-1@" + tenant, "-P", "lamp-secret-1", "-q", "1", "-t", "telemetry", "-m", "{\"temp\":21.5}")
                    .redirectErrorStream(true).start();
            try {
                assertTrue(pub.waitFor(60, TimeUnit.SECONDS), "mosquitto_pub did not finish within 60 s");
                String output = new String(pub.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(0, pub.exitValue(), "mosquitto_pub failed: " + output);
            } finally {
                pub.destroyForcibly();
            }

            await(client.deleteDevice(EU, tenant, "lamp-1"));
            assertEquals(Optional.empty(), await(client.device(EU, tenant, "lamp-1")));
            await(client.deleteDevice(EU, tenant, "lamp-1")); // a device that is gone already counts as deleted

            String nobody = unique("nobody");
            ExecutionException unknown = assertThrows(ExecutionException.class,
                    () -> await(client.createDevice(EU, nobody, "lamp-1", device)));
            RegistryCallException refused = assertInstanceOf(RegistryCallException.class, unknown.getCause());
            assertEquals(EU, refused.region());
            assertEquals(OptionalInt.of(404), refused.status());
            assertFalse(refused.isUnreachable());
            assertTrue(refused.getMessage().startsWith("region eu-central refused create device " + nobody + "/lamp-1 with 404"),
                    refused.getMessage());

            // us-east has no node in this test: its registry cannot be reached
            ExecutionException down = assertThrows(ExecutionException.class, () -> await(client.createDevice(US, tenant, "lamp-2", device)));
            RegistryCallException unreachable = assertInstanceOf(RegistryCallException.class, down.getCause());
            assertTrue(unreachable.isUnreachable(), unreachable.getMessage());
            assertTrue(unreachable.getMessage().startsWith("region us-east could not be reached for create device " + tenant + "/lamp-2"),
                    unreachable.getMessage());
        }
    }

    @Test
    void healthPoller_seesNodeStopAndRestart_andTheRestartPushesTenantsChangedMeanwhile(Federation federation, KeycloakService keycloak)
            throws Exception {
        RegionNodeProcess node = node(federation);
        ServiceToken token = token(keycloak);
        InMemoryTenantSource source = new InMemoryTenantSource();
        String before = unique("early");
        source.put(before, tenantWithRetention(20));
        try (RegionDirectory directory = directory(federation, node)) {
            RegionRegistryClient client = new RegionRegistryClient(directory, token);
            List<String> ups = new CopyOnWriteArrayList<>();
            directory.onUp((r, previous) -> ups.add(r.value() + " from " + previous));
            // a sweep far beyond the test, so that only the region turning UP can push
            try (TenantSync sync = new TenantSync(directory, client, source, Duration.ofHours(1), Clock.systemUTC())) {
                sync.start();
                directory.start();
                waitUntil(Duration.ofSeconds(30), () -> directory.isUp(EU), "eu-central UP at first");
                // the first UP pushes what was pending then
                waitUntil(Duration.ofSeconds(30), () -> source.delivered(EU, before) == 1, "tenant " + before + " pushed on the first UP");

                // stop() returns when the process has exited, which its shutdown can make take long on a loaded machine; the
                // node stops answering its health checks at once, so the time to DOWN is measured from SIGTERM, beside it
                long t0 = System.nanoTime();
                CompletableFuture<Void> stopped = CompletableFuture.runAsync(node::stop);
                waitUntil(Duration.ofSeconds(30), () -> directory.snapshot().get(EU).status() == RegionDirectory.Status.DOWN,
                        "eu-central DOWN after the node stopped");
                Duration toDown = Duration.ofNanos(System.nanoTime() - t0);
                stopped.get(60, TimeUnit.SECONDS);
                RegionDirectory.Health downHealth = directory.snapshot().get(EU);
                assertTrue(downHealth.consecutiveFailures() >= FAILURES_TO_DOWN, downHealth.toString());
                assertTrue(downHealth.lastError().isPresent(), downHealth.toString());
                assertTrue(directory.down().contains(EU));
                // DOWN takes FAILURES_TO_DOWN failed checks: at most that many periods, each check's timeout, and slack
                assertTrue(toDown.compareTo(PERIOD.multipliedBy(FAILURES_TO_DOWN + 2).plusSeconds(5)) < 0, "DOWN took " + toDown);

                // tenants change while the region is down; a sync now fails on the first and leaves the rest pending
                String changed = unique("changed");
                String added = unique("added");
                source.put(changed, tenantWithRetention(40));
                source.put(before, tenantWithRetention(21));
                source.put(added, tenantWithRetention(50));
                TenantSync.Report whileDown = await(sync.sync(EU));
                assertFalse(whileDown.complete());
                assertEquals(1, whileDown.failed().size(), whileDown.toString());
                assertTrue(whileDown.failed().values().iterator().next().startsWith("region eu-central could not be reached"), whileDown.toString());
                assertEquals(2, whileDown.notAttempted().size(), whileDown.toString());
                assertEquals(0, source.delivered(EU, changed));
                assertEquals(1, source.delivered(EU, before));

                node.start(Duration.ofMinutes(3));
                waitUntil(Duration.ofSeconds(30), () -> directory.isUp(EU), "eu-central UP after the restart");
                waitUntil(Duration.ofSeconds(60), () -> source.delivered(EU, changed) == 1 && source.delivered(EU, added) == 1
                        && source.delivered(EU, before) == 2, "the tenants changed while down pushed after the restart");
                assertEquals(List.of("eu-central from UNKNOWN", "eu-central from DOWN"), ups);
                TenantSync.Report after = sync.lastReport(EU).orElseThrow();
                assertTrue(after.complete(), after.toString());
                assertEquals(40, tenantInRegistry(directory.endpoints(EU), token, changed).orElseThrow().getJsonObject("ext")
                        .getJsonObject("meridian").getInteger("retention-days"));
                assertEquals(21, tenantInRegistry(directory.endpoints(EU), token, before).orElseThrow().getJsonObject("ext")
                        .getJsonObject("meridian").getInteger("retention-days"));
                assertTrue(tenantInRegistry(directory.endpoints(EU), token, added).isPresent());
            }
        } finally {
            node.start(Duration.ofMinutes(3)); // for the next test class of this run; a no-op when it runs
        }
    }

    private static void waitUntil(Duration limit, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within " + limit);
            }
            Thread.sleep(100);
        }
    }
}
