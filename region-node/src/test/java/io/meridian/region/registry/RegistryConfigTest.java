package io.meridian.region.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RegistryConfigTest {

    private static final URI ISSUER = URI.create("http://127.0.0.1:18080/realms/meridian");

    private static RegistryConfig with(int port, String keyspace, Optional<String> user, Optional<String> password, int bcrypt) {
        return new RegistryConfig("eu-central", "127.0.0.1", port, List.of(new InetSocketAddress("127.0.0.1", 9042)), "datacenter1",
                keyspace, Map.of("class", "SimpleStrategy", "replication_factor", 1), user, password, ISSUER,
                URI.create(ISSUER + "/protocol/openid-connect/certs"), "meridian", "catalog", bcrypt, 12);
    }

    @Test
    void localDefaults_useKeycloaksCertsEndpointAndTheRegistryKeyspace() {
        RegistryConfig c = RegistryConfig.local("eu-central", "127.0.0.1", 10108, new InetSocketAddress("127.0.0.1", 10100), "datacenter1", ISSUER);
        assertEquals("meridian_registry", c.keyspace());
        assertEquals(URI.create("http://127.0.0.1:18080/realms/meridian/protocol/openid-connect/certs"), c.jwksUri());
        assertEquals("meridian", c.audience());
    }

    @Test
    void impossibleValues_areRefusedByName() {
        assertEquals("registry port must be between 0 and 65535, was 70000",
                assertThrows(IllegalArgumentException.class, () -> with(70000, "ks", Optional.empty(), Optional.empty(), 10)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> with(0, "bad-name", Optional.empty(), Optional.empty(), 10))
                .getMessage().startsWith("keyspace must be"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> with(0, "ks", Optional.empty(), Optional.empty(), 3))
                .getMessage().startsWith("bcryptCost"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> with(0, "ks", Optional.of("u"), Optional.empty(), 10))
                .getMessage().contains("cassandraUsername and cassandraPassword"));
    }

    @Test
    void description_masksThePassword() {
        RegistryConfig c = with(0, "ks", Optional.of("registry"), Optional.of("hunter2"), 10);
        assertFalse(c.toString().contains("hunter2"), c.toString());
        assertFalse(c.describe().toString().contains("hunter2"));
        assertEquals("****", c.describe().get("cassandra password"));
    }
}
