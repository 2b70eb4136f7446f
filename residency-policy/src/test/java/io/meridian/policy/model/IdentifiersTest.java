package io.meridian.policy.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdentifiersTest {

    @ParameterizedTest
    @ValueSource(strings = {"deviceId", "device_id", "DEVICE-ID", "userId", "user", "user_name", "email",
        "contactEmail", "phoneNumber", "IMEI", "mac", "ip_address", "serialNumber", "id", "vin"})
    void identifierKeys_areRecognised(String key) {
        assertTrue(Identifiers.isIdentifierKey(key), key);
    }

    @ParameterizedTest
    @ValueSource(strings = {"site", "metric", "province", "building", "floor", "geohash", "model", "country"})
    void ordinaryKeys_areNotIdentifiers(String key) {
        assertFalse(Identifiers.isIdentifierKey(key), key);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jane@example.org", "3f2b8c1e-9d4a-4f6b-8e2a-1c3d5e7f9a0b", "00:1A:2B:3C:4D:5E",
        "00-1a-2b-3c-4d-5e", "192.168.1.20", "2001:db8::1", "356938035643809", "+27821234567",
        "a3f9c2e4b1d07788"})
    void identifierLikeValues_areRecognised(String value) {
        assertTrue(Identifiers.looksLikeIdentifier(value), value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"berlin", "temperature", "2026-11-23", "u33db", "floor-3", "12:30", "v1.2.3",
        "building a", "", "cafe", "deadbeef"})
    void ordinaryValues_areNotIdentifiers(String value) {
        assertFalse(Identifiers.looksLikeIdentifier(value), value);
    }
}
