package io.meridian.region.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class RefsAndBatchesTest {

    @Test
    void deviceRef_isTheContractsHash_ofTenantNulDevice() throws Exception {
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest("lampco\u0000lamp-1".getBytes(StandardCharsets.UTF_8))).substring(0, 16);
        assertEquals(expected, Refs.deviceRef("lampco", "lamp-1"));
        assertTrue(!Refs.deviceRef("lampco", "lamp-1").equals(Refs.deviceRef("lampc", "olamp-1")));
    }

    @Test
    void batches_holdAtMostAThousandIds_andStayUnderTheCatalogsBodyLimit() {
        List<String> shortIds = new ArrayList<>();
        for (int i = 0; i < 2500; i++) {
            shortIds.add("d" + i);
        }
        assertEquals(List.of(1000, 1000, 500), CatalogAssignments.batches(shortIds).stream().map(List::size).toList());
        List<String> longIds = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            longIds.add("x".repeat(100) + i);
        }
        List<List<String>> b = CatalogAssignments.batches(longIds);
        assertTrue(b.size() > 1, "1000 ids of 100 bytes exceed one body");
        assertEquals(1000, b.stream().mapToInt(List::size).sum());
        for (List<String> one : b) {
            int bytes = one.stream().mapToInt(s -> s.length() + 3).sum();
            assertTrue(bytes <= CatalogAssignments.MAX_BATCH_BYTES, "batch of " + bytes + " bytes");
        }
    }
}
