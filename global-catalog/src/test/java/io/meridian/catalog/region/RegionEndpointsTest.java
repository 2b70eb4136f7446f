package io.meridian.catalog.region;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.regions.RegionConfig;
import io.meridian.regions.RegionConfigs;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegionEndpointsTest {

    private static final RegionConfigs CONFIGS = RegionConfigs.loadDefault();
    static final String PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ\n-----END CERTIFICATE-----\n";

    private static RegionEndpoints valid(URI registry) {
        return new RegionEndpoints(registry, URI.create("http://127.0.0.1:2/health/ready"), "127.0.0.1", OptionalInt.of(1883), 8883,
                URI.create("http://127.0.0.1:3"), Optional.empty());
    }

    @Test
    void local_takesEveryPortFromTheRegionsBlock() {
        RegionConfig eu = CONFIGS.require("eu-central");
        int base = eu.localPorts().base();
        RegionEndpoints e = RegionEndpoints.local(eu);
        assertEquals(URI.create("http://127.0.0.1:" + (base + 81) + "/v1"), e.registry());
        assertEquals(URI.create("http://127.0.0.1:" + (base + 85) + "/health/ready"), e.health());
        assertEquals("127.0.0.1", e.mqttHost());
        assertEquals(OptionalInt.of(base + 83), e.mqttPort());
        assertEquals(base + 84, e.mqttTlsPort());
        assertEquals(URI.create("http://127.0.0.1:" + (base + 80)), e.httpAdapter());
        assertTrue(e.caPem().isEmpty());
    }

    @Test
    void production_offersTlsOnly_andTheRegistryBehindTheApiHost() {
        RegionConfig us = CONFIGS.require("us-east");
        RegionEndpoints e = RegionEndpoints.production(us);
        assertEquals(OptionalInt.empty(), e.mqttPort());
        assertEquals(us.endpoints().mqttPort(), e.mqttTlsPort());
        assertEquals(us.endpoints().mqttHost(), e.mqttHost());
        assertEquals(us.endpoints().http(), e.httpAdapter());
        URI api = us.endpoints().api();
        assertEquals(URI.create(api.getScheme() + "://" + api.getRawAuthority() + "/registry/v1"), e.registry());
        assertEquals(URI.create(api.getScheme() + "://" + api.getRawAuthority() + "/health/ready"), e.health());
    }

    @Test
    void registryWithoutV1_isRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> valid(URI.create("http://127.0.0.1:1/v2")));
        assertTrue(e.getMessage().startsWith("registry must be the management API's base URI ending in /v1, was http://127.0.0.1:1/v2"),
                e.getMessage());
    }

    @Test
    void registryWithTrailingSlash_isNormalised() {
        assertEquals(URI.create("http://127.0.0.1:1/v1"), valid(URI.create("http://127.0.0.1:1/v1/")).registry());
    }

    @Test
    void relativeOrNonHttpUris_areRefused() {
        assertThrows(IllegalArgumentException.class, () -> valid(URI.create("/v1")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> valid(URI.create("ftp://host/v1")));
        assertEquals("registry must be an absolute http or https URI with a host, was ftp://host/v1", e.getMessage());
        IllegalArgumentException health = assertThrows(IllegalArgumentException.class, () -> new RegionEndpoints(URI.create("http://h/v1"),
                URI.create("mailto:ops@example.com"), "h", OptionalInt.empty(), 8883, URI.create("http://h"), Optional.empty()));
        assertTrue(health.getMessage().startsWith("health must be"), health.getMessage());
    }

    @Test
    void badPortsAndHost_areRefusedWithTheValue() {
        URI r = URI.create("http://h/v1");
        URI h = URI.create("http://h/health/ready");
        URI a = URI.create("http://h");
        assertEquals("mqttTlsPort must be between 1 and 65535, was 0",
                assertThrows(IllegalArgumentException.class, () -> new RegionEndpoints(r, h, "h", OptionalInt.empty(), 0, a, Optional.empty()))
                        .getMessage());
        assertEquals("mqttPort must be between 1 and 65535, was 70000",
                assertThrows(IllegalArgumentException.class, () -> new RegionEndpoints(r, h, "h", OptionalInt.of(70000), 8883, a, Optional.empty()))
                        .getMessage());
        assertEquals("mqttPort and mqttTlsPort must differ, both were 8883",
                assertThrows(IllegalArgumentException.class, () -> new RegionEndpoints(r, h, "h", OptionalInt.of(8883), 8883, a, Optional.empty()))
                        .getMessage());
        assertEquals("mqttHost must not be blank, was ' '",
                assertThrows(IllegalArgumentException.class, () -> new RegionEndpoints(r, h, " ", OptionalInt.empty(), 8883, a, Optional.empty()))
                        .getMessage());
    }

    @Test
    void caThatIsNotPem_isRefused_andPemIsKept() {
        RegionEndpoints e = valid(URI.create("http://127.0.0.1:1/v1"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> e.withCaPem("not a certificate"));
        assertTrue(bad.getMessage().startsWith("caPem must be a PEM certificate"), bad.getMessage());
        assertEquals(Optional.of(PEM), e.withCaPem("  " + PEM + "\n\n").caPem());
    }

    @Test
    void caFile_isRead_andAMissingFileIsNamed(@TempDir Path dir) throws Exception {
        RegionEndpoints e = RegionEndpoints.local(CONFIGS.require("af-south"));
        Path file = dir.resolve("ca-cert.pem");
        Files.writeString(file, PEM);
        assertEquals(Optional.of(PEM), e.withCaPemFile(file).caPem());
        Path missing = dir.resolve("missing.pem");
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> e.withCaPemFile(missing));
        assertTrue(error.getMessage().startsWith("the region CA file " + missing + " must be readable"), error.getMessage());
    }

    @Test
    void registryResources_encodeIds() {
        RegionEndpoints e = valid(URI.create("http://127.0.0.1:1/v1"));
        assertEquals(URI.create("http://127.0.0.1:1/v1/devices/lamp%20co/a%2Fb%2Bc"), e.registryResource("devices", "lamp co", "a/b+c"));
    }
}
