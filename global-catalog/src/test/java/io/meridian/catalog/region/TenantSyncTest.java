package io.meridian.catalog.region;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.meridian.policy.model.RegionId;
import io.meridian.regions.RegionConfigs;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The registry client's upsert and token renewal, and the catch-up's bookkeeping, against a stub registry (a fake,
 * beside the real one in {@link RegionRegistryIT}). The stub takes only {@code token-2}, so every test also shows that
 * a 401 renews the token once and repeats the call.
 */
class TenantSyncTest {

    private static final RegionConfigs CONFIGS = RegionConfigs.loadDefault();
    private static final RegionId EU = RegionId.of("eu-central");

    private HttpServer server;
    private final Set<String> tenants = ConcurrentHashMap.newKeySet();
    private final Map<String, String> bodies = new ConcurrentHashMap<>();
    private final AtomicInteger tokensIssued = new AtomicInteger();
    private final AtomicInteger unauthorized = new AtomicInteger();
    private RegionDirectory directory;
    private RegionRegistryClient client;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/token", exchange -> {
            exchange.getRequestBody().readAllBytes();
            answer(exchange, 200, "{\"access_token\":\"token-" + tokensIssued.incrementAndGet() + "\",\"expires_in\":300}");
        });
        server.createContext("/v1/tenants/", this::tenant);
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        directory = RegionDirectory.builder(List.of(CONFIGS.require("eu-central"))).endpoints(EU, new RegionEndpoints(URI.create(base + "/v1"),
                URI.create(base + "/health/ready"), "127.0.0.1", OptionalInt.of(1883), 8883, URI.create(base), Optional.empty())).build();
        client = new RegionRegistryClient(directory, new ServiceToken(URI.create(base + "/token"), "catalog", "s3cret"), Duration.ofSeconds(5));
    }

    /** Hono's tenant resource, roughly: PUT 204 or 404, POST 201 or 409; tenant "bad" is refused (400), "busy-*" fail (503). */
    private void tenant(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        if (!"Bearer token-2".equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            unauthorized.incrementAndGet();
            answer(exchange, 401, "{\"error\":\"token expired\"}");
            return;
        }
        String id = exchange.getRequestURI().getPath().substring("/v1/tenants/".length());
        if (id.equals("bad")) {
            answer(exchange, 400, "{\"error\":\"tenant bad: retention-days must be between 1 and 3650, was 0\"}");
        } else if (id.startsWith("busy")) {
            answer(exchange, 503, "{\"error\":\"temporarily unavailable\"}");
        } else if (exchange.getRequestMethod().equals("PUT")) {
            if (tenants.contains(id)) {
                bodies.put(id, body);
            }
            answer(exchange, tenants.contains(id) ? 204 : 404, tenants.contains(id) ? "" : "{\"error\":\"tenant " + id + " not found\"}");
        } else if (exchange.getRequestMethod().equals("POST")) {
            boolean created = tenants.add(id);
            if (created) {
                bodies.put(id, body);
            }
            answer(exchange, created ? 201 : 409, created ? "{\"id\":\"" + id + "\"}" : "{\"error\":\"exists\"}");
        } else {
            answer(exchange, 405, "");
        }
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
        exchange.close();
    }

    @AfterEach
    void stop() {
        directory.close();
        server.stop(0);
    }

    @Test
    void upsert_createsThenUpdates_afterRenewingARefusedTokenOnce() throws Exception {
        JsonObject v1 = new JsonObject().put("enabled", true);
        assertEquals(RegionRegistryClient.Upsert.CREATED, client.upsertTenant(EU, "lampco", v1).get(10, TimeUnit.SECONDS));
        assertEquals(1, unauthorized.get(), "token-1 is refused once, then token-2 is fetched and used");
        assertEquals(2, tokensIssued.get());
        JsonObject v2 = new JsonObject().put("enabled", false);
        assertEquals(RegionRegistryClient.Upsert.UPDATED, client.upsertTenant(EU, "lampco", v2).get(10, TimeUnit.SECONDS));
        assertEquals(v2, new JsonObject(bodies.get("lampco")));
        assertEquals(2, tokensIssued.get(), "the renewed token is cached");
    }

    @Test
    void refusal_carriesRegionOperationStatusAndTheRegistrysReason() {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> client.upsertTenant(EU, "bad", new JsonObject()).get(10, TimeUnit.SECONDS));
        RegistryCallException refused = assertInstanceOf(RegistryCallException.class, e.getCause());
        assertEquals(OptionalInt.of(400), refused.status());
        assertEquals("upsert tenant bad", refused.operation());
        assertEquals(Optional.of("tenant bad: retention-days must be between 1 and 3650, was 0"), refused.detail());
        assertEquals("region eu-central refused upsert tenant bad with 400: tenant bad: retention-days must be between 1 and 3650, was 0",
                refused.getMessage());
        assertFalse(refused.isUnreachable());
        assertThrows(IllegalArgumentException.class, () -> client.upsertTenant(RegionId.of("mars-north"), "lampco", new JsonObject()));
        assertThrows(IllegalArgumentException.class, () -> client.createDevice(EU, " ", "d", new JsonObject()));
    }

    @Test
    void sync_reportsRefusedTenants_goesOn_andStopsAtARegionFailureLeavingTheRestPending() throws Exception {
        InMemoryTenantSource source = new InMemoryTenantSource();
        source.put("alpha", new JsonObject().put("enabled", true));
        source.put("bad", new JsonObject());
        source.put("beta", new JsonObject().put("enabled", true));
        source.put("busy-1", new JsonObject());
        source.put("gamma", new JsonObject());
        source.put("delta", new JsonObject());
        try (TenantSync sync = new TenantSync(directory, client, source, Duration.ofHours(1), Clock.systemUTC())) {
            TenantSync.Report report = sync.sync(EU).get(10, TimeUnit.SECONDS);
            assertEquals(Map.of("alpha", 1L, "beta", 1L), report.pushed());
            assertEquals(Set.of("bad", "busy-1"), report.failed().keySet());
            assertTrue(report.failed().get("busy-1").contains("503"), report.failed().toString());
            assertEquals(List.of("gamma", "delta"), report.notAttempted());
            assertTrue(report.error().orElseThrow().contains("503"), report.toString());
            assertFalse(report.complete());
            assertEquals(Optional.of(report), sync.lastReport(EU));
            assertEquals(1, source.delivered(EU, "alpha"));
            assertEquals(0, source.delivered(EU, "gamma"), "not attempted, so still pending");

            // the next sync retries what is still pending, and pushes nothing twice
            source.put("alpha", new JsonObject().put("enabled", false));
            TenantSync.Report next = sync.sync(EU).get(10, TimeUnit.SECONDS);
            assertEquals(Map.of("alpha", 2L), next.pushed());
            assertEquals(Set.of("bad", "busy-1"), next.failed().keySet());
            assertThrows(IllegalArgumentException.class, () -> sync.sync(RegionId.of("mars-north")));
        }
    }

    @Test
    void sourceThatCannotBeRead_isReported() throws Exception {
        TenantSync.TenantSource broken = new TenantSync.TenantSource() {
            @Override
            public java.util.concurrent.CompletionStage<List<TenantSync.PendingPush>> pending(RegionId region) {
                return java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("catalog store unavailable"));
            }

            @Override
            public java.util.concurrent.CompletionStage<Void> pushed(String tenantId, RegionId region, long revision) {
                throw new AssertionError("nothing was pushed");
            }
        };
        try (TenantSync sync = new TenantSync(directory, client, broken, Duration.ofHours(1), Clock.systemUTC())) {
            TenantSync.Report report = sync.sync(EU).get(10, TimeUnit.SECONDS);
            assertEquals(Optional.of("the pending tenants could not be read: catalog store unavailable"), report.error());
            assertTrue(report.pushed().isEmpty());
        }
    }
}
