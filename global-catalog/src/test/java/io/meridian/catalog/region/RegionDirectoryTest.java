package io.meridian.catalog.region;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.meridian.policy.model.RegionId;
import io.meridian.regions.RegionConfig;
import io.meridian.regions.RegionConfigs;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RegionDirectoryTest {

    private static final RegionConfigs CONFIGS = RegionConfigs.loadDefault();
    private static final RegionId EU = RegionId.of("eu-central");
    private static final Duration LONG = Duration.ofHours(1);

    private static RegionEndpoints at(URI health) {
        return new RegionEndpoints(URI.create("http://127.0.0.1:1/v1"), health, "127.0.0.1", OptionalInt.of(1883), 8883,
                URI.create("http://127.0.0.1:1"), Optional.empty());
    }

    private static RegionDirectory.Builder euOnly(URI health) {
        return RegionDirectory.builder(List.of(CONFIGS.require("eu-central"))).endpoints(EU, at(health));
    }

    @Test
    void unknownRegion_isRefusedNamingTheKnownOnes() {
        try (RegionDirectory d = RegionDirectory.builder(CONFIGS).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.isUp(RegionId.of("mars-north")));
            assertTrue(e.getMessage().startsWith("region mars-north is not in the region directory, which holds ["), e.getMessage());
            assertTrue(e.getMessage().contains("eu-central"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> d.endpoints(RegionId.of("mars-north")));
            assertThrows(IllegalArgumentException.class, () -> d.region(RegionId.of("mars-north")));
        }
        IllegalArgumentException override = assertThrows(IllegalArgumentException.class,
                () -> RegionDirectory.builder(CONFIGS).endpoints(RegionId.of("mars-north"), at(URI.create("http://127.0.0.1:1/h"))));
        assertTrue(override.getMessage().startsWith("region mars-north is not in the region directory"), override.getMessage());
    }

    @Test
    void endpoints_areDerivedPerRegion_unlessOverridden() {
        URI health = URI.create("http://127.0.0.1:9/health/ready");
        try (RegionDirectory d = RegionDirectory.builder(CONFIGS).endpoints(EU, at(health)).build()) {
            assertEquals(health, d.endpoints(EU).health());
            RegionConfig us = CONFIGS.require("us-east");
            assertEquals(RegionEndpoints.local(us), d.endpoints(us.id()));
            assertEquals(CONFIGS.regions().size(), d.snapshot().size());
        }
        try (RegionDirectory d = RegionDirectory.builder(CONFIGS).endpoints(RegionEndpoints::production).build()) {
            assertEquals(OptionalInt.empty(), d.endpoints(EU).mqttPort());
        }
    }

    @Test
    void impossibleSettings_areRefused() {
        var b = RegionDirectory.builder(CONFIGS);
        assertEquals("health check period must be positive, was PT0S",
                assertThrows(IllegalArgumentException.class, () -> b.period(Duration.ZERO)).getMessage());
        assertEquals("failures before a region is down must be at least 1, was 0",
                assertThrows(IllegalArgumentException.class, () -> b.failuresToDown(0)).getMessage());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RegionDirectory.builder(CONFIGS).period(Duration.ofSeconds(1)).checkTimeout(Duration.ofSeconds(2)).build());
        assertTrue(e.getMessage().contains("must not exceed the health check period"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RegionDirectory.builder(List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> RegionDirectory.builder(List.of(CONFIGS.require("eu-central"), CONFIGS.require("eu-central"))));
    }

    @Test
    void upAfterOneSuccess_downAfterTwoFailures_upAgainAfterOne_andListenersHearEachTurnUp() throws Exception {
        try (HealthStub stub = new HealthStub(); RegionDirectory d = euOnly(stub.health()).period(LONG).build()) {
            List<String> ups = new CopyOnWriteArrayList<>();
            d.onUp((region, previous) -> ups.add(region.value() + " from " + previous));
            assertEquals(RegionDirectory.Status.UNKNOWN, d.snapshot().get(EU).status());
            assertFalse(d.isUp(EU));
            assertEquals(Set.of(), d.down(), "a region not checked yet is not known to be down");

            d.start();
            d.checkNow().get(10, TimeUnit.SECONDS);
            assertTrue(d.isUp(EU));
            assertEquals(List.of("eu-central from UNKNOWN"), ups);

            stub.status.set(503);
            d.checkNow().get(10, TimeUnit.SECONDS);
            RegionDirectory.Health one = d.snapshot().get(EU);
            assertEquals(RegionDirectory.Status.UP, one.status(), "one failure is not enough for DOWN");
            assertEquals(1, one.consecutiveFailures());
            assertEquals(Optional.of("health answered 503"), one.lastError());

            d.checkNow().get(10, TimeUnit.SECONDS);
            RegionDirectory.Health two = d.snapshot().get(EU);
            assertEquals(RegionDirectory.Status.DOWN, two.status());
            assertEquals(Set.of(EU), d.down());
            assertFalse(d.isUp(EU));
            assertTrue(two.since().compareTo(one.since()) >= 0);

            stub.status.set(200);
            d.checkNow().get(10, TimeUnit.SECONDS);
            RegionDirectory.Health back = d.snapshot().get(EU);
            assertEquals(RegionDirectory.Status.UP, back.status());
            assertEquals(Optional.empty(), back.lastError());
            assertEquals(0, back.consecutiveFailures());
            assertEquals(Set.of(), d.down());
            assertEquals(List.of("eu-central from UNKNOWN", "eu-central from DOWN"), ups);

            d.checkNow().get(10, TimeUnit.SECONDS);
            assertEquals(2, ups.size(), "staying UP is not a transition");
            assertEquals(back.since(), d.snapshot().get(EU).since());
        }
    }

    @Test
    void regionNobodyListensFor_isDown_withTheConnectError() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        try (RegionDirectory d = euOnly(URI.create("http://127.0.0.1:" + port + "/health/ready")).period(LONG).failuresToDown(1).build()) {
            d.start();
            d.checkNow().get(10, TimeUnit.SECONDS);
            RegionDirectory.Health h = d.snapshot().get(EU);
            assertEquals(RegionDirectory.Status.DOWN, h.status());
            assertTrue(h.lastError().orElseThrow().contains("ConnectException"), h.lastError().orElseThrow());
            assertTrue(h.lastCheck().isPresent());
        }
    }

    @Test
    void regionThatHangs_isDownAfterTheWholeExchangeTimeout() throws Exception {
        HttpServer slow = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        CountDownLatch release = new CountDownLatch(1);
        slow.createContext("/health/ready", exchange -> {
            try {
                release.await(10, TimeUnit.SECONDS); // answers only when the test ends
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        slow.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        slow.start();
        URI health = URI.create("http://127.0.0.1:" + slow.getAddress().getPort() + "/health/ready");
        try (RegionDirectory d = euOnly(health).period(LONG).failuresToDown(1).checkTimeout(Duration.ofMillis(300)).build()) {
            d.start();
            long t0 = System.nanoTime();
            d.checkNow().get(10, TimeUnit.SECONDS);
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(RegionDirectory.Status.DOWN, d.snapshot().get(EU).status());
            assertEquals(Optional.of("no answer within 300 ms"), d.snapshot().get(EU).lastError());
            assertTrue(tookMs < 5000, "the check must end at its timeout, took " + tookMs + " ms");
        } finally {
            release.countDown();
            slow.stop(0);
        }
    }

    @Test
    void poller_checksPeriodically() throws Exception {
        try (HealthStub stub = new HealthStub();
                RegionDirectory d = euOnly(stub.health()).period(Duration.ofMillis(100)).checkTimeout(Duration.ofMillis(100)).build()) {
            CountDownLatch up = new CountDownLatch(1);
            d.onUp((r, p) -> up.countDown());
            d.start();
            assertTrue(up.await(10, TimeUnit.SECONDS), "the poller must find the region UP");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (stub.requests.get() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(stub.requests.get() >= 4, "the poller must keep checking, checked " + stub.requests.get() + " times");
            assertThrows(IllegalStateException.class, d::start);
        }
    }

    @Test
    void checkNow_beforeStart_isRefused() {
        try (RegionDirectory d = RegionDirectory.builder(CONFIGS).build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, d::checkNow);
            assertTrue(e.getMessage().contains("not started"), e.getMessage());
        }
    }
}
