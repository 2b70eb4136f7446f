package io.meridian.gateway.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.regions.RegionConfigs;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GatewayConfigTest {

    private static final RegionConfigs CONFIGS = RegionConfigs.loadDefault();

    private static GatewayConfig load(Map<String, String> props, String secret) {
        Map<String, String> env = new HashMap<>();
        if (secret != null) {
            env.put(GatewayConfig.CLIENT_SECRET_ENV, secret);
        }
        return GatewayConfig.from(CONFIGS, props::get, env::get);
    }

    @Test
    void defaults_comeFromRegionConfigs() {
        GatewayConfig c = load(Map.of(GatewayConfig.REGION, "eu-central"), "s3cret");
        assertEquals(CONFIGS.require("eu-central").localPorts().gateway(), c.port());
        assertEquals(CONFIGS.require("eu-central").jurisdiction(), c.jurisdiction());
        assertEquals(URI.create("http://127.0.0.1:" + CONFIGS.localServices().catalog() + "/v1"), c.catalogUrl());
        assertEquals(URI.create("http://127.0.0.1:" + CONFIGS.localServices().keycloak() + "/realms/meridian"), c.issuer());
        assertEquals("gateway-eu-central", c.clientId());
        assertEquals(URI.create(c.issuer() + "/protocol/openid-connect/certs"), c.jwksUri());
        assertEquals(Duration.ofSeconds(3), c.regionsTtl());
    }

    @Test
    void unknownRegion_isRejected_namingTheKnownOnes() {
        GatewayConfigException e = assertThrows(GatewayConfigException.class, () -> load(Map.of(GatewayConfig.REGION, "mars-1"), "s"));
        assertTrue(e.getMessage().startsWith("meridian.gateway.region must be one of ["), e.getMessage());
        assertTrue(e.getMessage().contains("eu-central") && e.getMessage().endsWith("was 'mars-1'"), e.getMessage());
    }

    @Test
    void missingRegion_isRejected() {
        GatewayConfigException e = assertThrows(GatewayConfigException.class, () -> load(Map.of(), "s"));
        assertTrue(e.getMessage().startsWith("meridian.gateway.region (this gateway's own region) must be set"), e.getMessage());
    }

    @Test
    void missingSecret_isRejected_namingTheVariableAndClient() {
        GatewayConfigException e = assertThrows(GatewayConfigException.class, () -> load(Map.of(GatewayConfig.REGION, "us-east"), null));
        assertEquals("MERIDIAN_GATEWAY_CLIENT_SECRET (the secret of Keycloak client gateway-us-east) must be set", e.getMessage());
    }

    @Test
    void badPortUrlAndDuration_areRejected_namingTheProperty() {
        assertEquals("meridian.gateway.port must be a port number, was 'abc'", assertThrows(GatewayConfigException.class,
                () -> load(Map.of(GatewayConfig.REGION, "eu-central", GatewayConfig.PORT, "abc"), "s")).getMessage());
        assertEquals("meridian.gateway.port must be 0-65535, was 70000", assertThrows(GatewayConfigException.class,
                () -> load(Map.of(GatewayConfig.REGION, "eu-central", GatewayConfig.PORT, "70000"), "s")).getMessage());
        assertTrue(assertThrows(GatewayConfigException.class,
                () -> load(Map.of(GatewayConfig.REGION, "eu-central", GatewayConfig.CATALOG_URL, "ftp://x/v1"), "s")).getMessage()
                .startsWith("meridian.catalog.url must be an absolute http(s) URL"));
        assertTrue(assertThrows(GatewayConfigException.class,
                () -> load(Map.of(GatewayConfig.REGION, "eu-central", GatewayConfig.REGIONS_TTL, "3s"), "s")).getMessage()
                .startsWith("meridian.gateway.regionsTtl must be an ISO-8601 duration"));
    }

    @Test
    void toString_masksTheSecret() {
        GatewayConfig c = load(Map.of(GatewayConfig.REGION, "eu-central"), "very-secret-value");
        assertFalse(c.toString().contains("very-secret-value"), c.toString());
    }

    @Test
    void regions_defaultToLocalPorts_andTakeOverrides() {
        GatewayConfig c = load(Map.of(GatewayConfig.REGION, "us-east", GatewayConfig.REGION_PREFIX + "af-south.dataApi",
                "http://127.0.0.1:41000/v1"), "s3cret");
        assertEquals(CONFIGS.regions().size(), c.regions().size());
        GatewayConfig.RegionLinks eu = c.links(io.meridian.policy.model.RegionId.of("eu-central")).orElseThrow();
        assertEquals(URI.create("http://127.0.0.1:" + CONFIGS.require("eu-central").localPorts().dataApi() + "/v1"), eu.dataApi());
        assertEquals(URI.create("http://127.0.0.1:" + CONFIGS.require("eu-central").localPorts().gateway() + "/v1"), eu.gateway());
        assertEquals(CONFIGS.require("eu-central").jurisdiction(), eu.jurisdiction());
        assertEquals(URI.create("http://127.0.0.1:41000/v1"),
                c.links(io.meridian.policy.model.RegionId.of("af-south")).orElseThrow().dataApi());
        assertEquals(io.meridian.policy.model.RegionId.of("us-east"), c.own().id());
        assertEquals(java.util.List.of("127.0.0.1:" + CONFIGS.require("us-east").localPorts().cassandraCql()), c.cassandra().contactPoints());
        assertEquals("meridian_gateway", c.cassandra().keyspace());
        assertEquals(Duration.ofSeconds(2), c.regionTimeout());
    }

    @Test
    void brokenRegionAndCassandraSettings_areNamed() {
        GatewayConfigException e = assertThrows(GatewayConfigException.class, () -> load(Map.of(GatewayConfig.REGION, "eu-central",
                GatewayConfig.REGION_PREFIX + "us-east.gateway", "ftp://x/v1"), "s"));
        assertTrue(e.getMessage().contains(GatewayConfig.REGION_PREFIX + "us-east.gateway"), e.getMessage());
        e = assertThrows(GatewayConfigException.class, () -> load(Map.of(GatewayConfig.REGION, "eu-central",
                GatewayConfig.CASSANDRA_CONTACT_POINTS, "127.0.0.1"), "s"));
        assertTrue(e.getMessage().contains(GatewayConfig.CASSANDRA_CONTACT_POINTS), e.getMessage());
        e = assertThrows(GatewayConfigException.class, () -> load(Map.of(GatewayConfig.REGION, "eu-central",
                GatewayConfig.KEYSPACE, "Bad-Name"), "s"));
        assertTrue(e.getMessage().contains(GatewayConfig.KEYSPACE), e.getMessage());
        e = assertThrows(GatewayConfigException.class, () -> load(Map.of(GatewayConfig.REGION, "eu-central",
                GatewayConfig.REGION_TIMEOUT, "PT0S"), "s"));
        assertTrue(e.getMessage().contains(GatewayConfig.REGION_TIMEOUT), e.getMessage());
    }

    @Test
    void auditSettings_haveDefaults_andAnInfraDirMustExist() throws Exception {
        GatewayConfig c = load(Map.of(GatewayConfig.REGION, "eu-central"), "s");
        assertEquals(java.util.Optional.empty(), c.audit().infrastructure());
        assertEquals(java.time.Duration.ofSeconds(60), c.audit().pageTimeout());
        assertEquals(java.time.Duration.ofMinutes(10), c.audit().storageTimeout());
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("infra");
        assertEquals(java.util.Optional.of(dir.toAbsolutePath()),
                load(Map.of(GatewayConfig.REGION, "eu-central", GatewayConfig.AUDIT_INFRA_DIR, dir.toString()), "s").audit().infrastructure());
        assertEquals("meridian.gateway.audit.infraDir must name a directory of synthesized infrastructure, was '" + dir.resolve("none").toAbsolutePath()
                + "'", assertThrows(GatewayConfigException.class, () -> load(Map.of(GatewayConfig.REGION, "eu-central", GatewayConfig.AUDIT_INFRA_DIR,
                        dir.resolve("none").toString()), "s")).getMessage());
        assertEquals("meridian.gateway.audit.pageTimeout must be positive, was PT0S", assertThrows(GatewayConfigException.class,
                () -> load(Map.of(GatewayConfig.REGION, "eu-central", GatewayConfig.AUDIT_PAGE_TIMEOUT, "PT0S"), "s")).getMessage());
        java.nio.file.Files.delete(dir);
    }
}
