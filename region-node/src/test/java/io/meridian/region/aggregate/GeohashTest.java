package io.meridian.region.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class GeohashTest {

    @Test
    void knownPlaces_encodeToTheirPublishedCells() {
        // the example of the geohash's original description: 57.64911, 10.40744 is u4pruydqqvj
        assertEquals("u4pruydqqvj", Geohash.encode(57.64911, 10.40744, 11));
        // Berlin's centre lies in u33d; the Null Island origin is s0000
        assertEquals("u33d", Geohash.encode(52.5200, 13.4050, 4));
        assertEquals("s0000", Geohash.encode(0.0, 0.0, 5));
        assertEquals("7zzzz", Geohash.encode(-0.000001, -0.000001, 5));
    }

    @Test
    void corners_encodeWithoutError() {
        assertEquals("000000000000", Geohash.encode(-90, -180, 12));
        assertEquals("zzzzzzzzzzzz", Geohash.encode(90, 180, 12));
        assertEquals("b", Geohash.encode(90, -180, 1));
        assertEquals("p", Geohash.encode(-90, 180, 1));
    }

    @Test
    void aCoarserCell_isAPrefixOfTheFinerOne() {
        Random random = new Random(42);
        for (int i = 0; i < 1_000; i++) {
            double lat = random.nextDouble() * 180 - 90;
            double lon = random.nextDouble() * 360 - 180;
            String fine = Geohash.encode(lat, lon, 12);
            for (int p = 1; p < 12; p++) {
                assertEquals(fine.substring(0, p), Geohash.encode(lat, lon, p));
            }
        }
    }

    @Test
    void invalidInput_isRefusedNamingTheArgument() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Geohash.encode(90.1, 0, 5)).getMessage()
                .startsWith("latitude must be between -90 and 90 degrees, was 90.1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Geohash.encode(Double.NaN, 0, 5)).getMessage()
                .startsWith("latitude"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Geohash.encode(0, -180.5, 5)).getMessage()
                .startsWith("longitude must be between -180 and 180 degrees, was -180.5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Geohash.encode(0, 0, 0)).getMessage()
                .startsWith("geohash precision must be 1 to 12, was 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Geohash.encode(0, 0, 13)).getMessage()
                .startsWith("geohash precision must be 1 to 12, was 13"));
    }
}
