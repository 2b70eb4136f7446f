package io.meridian.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

class EvidenceTest {

    @Test
    void deviceRef_isTheContractsHash_ofTenantNulDevice() {
        // computed with Python's hashlib: sha256(b"lampco\x00lamp-1").hexdigest()[:16]
        assertEquals("6925fe56a84f9279", Evidence.deviceRef("lampco", "lamp-1"));
        // the separator matters: ("lampc", "olamp-1") is another device
        assertNotEquals(Evidence.deviceRef("lampco", "lamp-1"), Evidence.deviceRef("lampc", "olamp-1"));
    }
}
