package io.meridian.catalog.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.catalog.assignment.DeviceKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatalogAppTest {

    private static final String K1 = Base64.getEncoder().encodeToString(new byte[32]);

    @Test
    void keysFromTheEnvironment_supportARotation() throws Exception {
        byte[] second = new byte[32];
        second[5] = 9;
        Map<String, String> env = Map.of("MERIDIAN_CATALOG_KEYS", "k1=" + K1 + ",k2=" + Base64.getEncoder().encodeToString(second),
                "MERIDIAN_CATALOG_KEY_ID", "k2");
        DeviceKeys keys = CatalogApp.keys(env::get, p -> null);
        assertTrue(keys.pseudonym("t", "d").startsWith("k2:"));
        assertEquals(2, keys.candidates("t", "d").size());
        assertFalse(keys.toString().contains(K1), "no key material in toString");
    }

    @Test
    void aMissingOrBrokenKeyConfiguration_isRefusedByName() {
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> CatalogApp.keys(e -> null, p -> null));
        assertTrue(none.getMessage().contains("MERIDIAN_CATALOG_KEYS"), none.getMessage());
        IllegalStateException noId = assertThrows(IllegalStateException.class,
                () -> CatalogApp.keys(Map.of("MERIDIAN_CATALOG_KEYS", "k1=" + K1)::get, p -> null));
        assertTrue(noId.getMessage().contains("MERIDIAN_CATALOG_KEY_ID"), noId.getMessage());
        IllegalStateException notBase64 = assertThrows(IllegalStateException.class,
                () -> CatalogApp.keys(Map.of("MERIDIAN_CATALOG_KEYS", "k1=***", "MERIDIAN_CATALOG_KEY_ID", "k1")::get, p -> null));
        assertTrue(notBase64.getMessage().contains("k1 is not base64"), notBase64.getMessage());
        IllegalArgumentException shortKey = assertThrows(IllegalArgumentException.class,
                () -> CatalogApp.keys(Map.of("MERIDIAN_CATALOG_KEYS", "k1=AAAA", "MERIDIAN_CATALOG_KEY_ID", "k1")::get, p -> null));
        assertTrue(shortKey.getMessage().contains("at least 32 bytes"), shortKey.getMessage());
    }

    @Test
    void aKeyFile_isGeneratedOnce_thenReused(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keys/catalog-keys.properties");
        Map<String, String> props = Map.of("meridian.catalog.keyFile", file.toString(), "meridian.catalog.generateKeyFile", "true");
        DeviceKeys first = CatalogApp.keys(e -> null, props::get);
        assertTrue(Files.exists(file));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        DeviceKeys again = CatalogApp.keys(e -> null, props::get);
        assertEquals(first.pseudonym("lampco", "lamp-1"), again.pseudonym("lampco", "lamp-1"), "the same key after a restart");
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> CatalogApp.keys(e -> null, Map.of("meridian.catalog.keyFile", dir.resolve("absent").toString())::get));
        assertTrue(missing.getMessage().contains("cannot be read"), missing.getMessage());
    }

    @Test
    void replication_isParsed_andBadEntriesAreNamed() {
        assertEquals(Map.of("eu-central", 3, "af-south", 2), CatalogConfig.parseReplication("eu-central:3, af-south:2"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CatalogConfig.parseReplication("eu-central"))
                .getMessage().contains("dc:count"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CatalogConfig.parseReplication("eu-central:three"))
                .getMessage().contains("'three' is not a replica count"));
    }
}
