package io.meridian.catalog.assignment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeviceKeysTest {

    private static final byte[] K1 = "k1-0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K2 = "k2-fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII);

    @Test
    void pseudonym_isStable_keyed_andHoldsNoDeviceId() {
        DeviceKeys keys = new DeviceKeys("k1", Map.of("k1", K1));
        String p = keys.pseudonym("lampco", "lamp-0001");
        assertEquals(p, keys.pseudonym("lampco", "lamp-0001"));
        assertTrue(p.matches("k1:[0-9a-f]{64}"), p);
        assertFalse(p.contains("lamp"));
        assertNotEquals(p, keys.pseudonym("lampco", "lamp-0002"));
        assertNotEquals(p, keys.pseudonym("carehome", "lamp-0001"));
        assertNotEquals(keys.pseudonym("ab", "c"), keys.pseudonym("a", "bc"), "tenant and device are length-prefixed");
        assertNotEquals(p, new DeviceKeys("k1", Map.of("k1", K2)).pseudonym("lampco", "lamp-0001"), "another key, another pseudonym");
    }

    @Test
    void rotation_writesWithTheNewKey_andFindsWithBoth() {
        Map<String, byte[]> both = new LinkedHashMap<>();
        both.put("k1", K1);
        both.put("k2", K2);
        DeviceKeys before = new DeviceKeys("k1", Map.of("k1", K1));
        DeviceKeys after = new DeviceKeys("k2", both);
        String stored = before.pseudonym("lampco", "lamp-0001");
        List<String> lookup = after.candidates("lampco", "lamp-0001");
        assertEquals(after.pseudonym("lampco", "lamp-0001"), lookup.get(0));
        assertTrue(lookup.contains(stored));
        assertTrue(after.isStale(stored));
        assertFalse(after.isStale(lookup.get(0)));
    }

    @Test
    void badKeys_areRefused_withoutShowingThem() {
        IllegalArgumentException shortKey = assertThrows(IllegalArgumentException.class,
                () -> new DeviceKeys("k1", Map.of("k1", "short".getBytes(StandardCharsets.US_ASCII))));
        assertTrue(shortKey.getMessage().contains("at least 32 bytes, was 5"));
        assertFalse(shortKey.getMessage().contains("short"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DeviceKeys("k9", Map.of("k1", K1))).getMessage()
                .contains("current catalog key k9 must be one of"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DeviceKeys("K 1", Map.of("K 1", K1))).getMessage()
                .contains("key ids must be"));
        assertFalse(new DeviceKeys("k1", Map.of("k1", K1)).toString().contains("0123456789"));
    }

    @Test
    void sealedDeviceIds_openOnlyForTheirTenant_andAcrossARotation() {
        DeviceKeys old = new DeviceKeys("k1", java.util.Map.of("k1", new byte[32]));
        byte[] sealed = old.seal("lampco", "lamp-17");
        String asText = new String(sealed, java.nio.charset.StandardCharsets.ISO_8859_1);
        org.junit.jupiter.api.Assertions.assertFalse(asText.contains("lamp-17"), "the id is not in the sealed bytes");
        org.junit.jupiter.api.Assertions.assertEquals("lamp-17", old.open("lampco", sealed));
        byte[] second = new byte[32];
        second[0] = 1;
        DeviceKeys rotated = new DeviceKeys("k2", java.util.Map.of("k1", new byte[32], "k2", second));
        org.junit.jupiter.api.Assertions.assertEquals("lamp-17", rotated.open("lampco", sealed), "an old key still opens during a rotation");
        org.junit.jupiter.api.Assertions.assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> old.open("carehome", sealed)).getMessage().contains("does not open"));
        DeviceKeys without = new DeviceKeys("k2", java.util.Map.of("k2", second));
        org.junit.jupiter.api.Assertions.assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> without.open("lampco", sealed)).getMessage().contains("not configured"));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> old.open("lampco", new byte[] {3, 1, 2}));
    }
}
