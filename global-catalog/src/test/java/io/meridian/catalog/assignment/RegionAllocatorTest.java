package io.meridian.catalog.assignment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.policy.model.AllocationPolicy;
import io.meridian.policy.model.GeoPoint;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.RegionId;
import io.meridian.regions.RegionConfig;
import io.meridian.regions.RegionConfigs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RegionAllocatorTest {

    private static final RegionConfigs CONFIGS = RegionConfigs.loadDefault();
    private static final RegionAllocator ALLOCATOR = new RegionAllocator(CONFIGS.regions());
    private static final RegionId EU = RegionId.of("eu-central");
    private static final RegionId ZA = RegionId.of("af-south");
    private static final RegionId US = RegionId.of("us-east");
    private static final RegionId UK = RegionId.of("uk-south");

    /** Country boxes (lat/lon ranges inside each country) and the region proximity must pick for them. */
    private static final Map<String, double[]> BOXES = Map.of(
            "DE", new double[] {48.5, 53.5, 8.0, 13.5},
            "FR", new double[] {44.0, 49.0, 0.5, 6.0},
            "NG", new double[] {7.0, 12.0, 4.0, 10.0},
            "ZA", new double[] {-33.5, -26.0, 19.0, 30.0},
            "CA", new double[] {43.5, 46.5, -80.0, -72.0},
            "US", new double[] {33.0, 42.0, -90.0, -75.0});

    @Test
    void proximity_300DevicesInSixCountries_goToTheNearestRegion() {
        Random random = new Random(42);
        Map<String, Integer> counts = new java.util.TreeMap<>();
        for (int i = 0; i < 300; i++) {
            String country = List.copyOf(new java.util.TreeSet<>(BOXES.keySet())).get(i % BOXES.size());
            double[] b = BOXES.get(country);
            GeoPoint where = GeoPoint.of(b[0] + random.nextDouble() * (b[1] - b[0]), b[2] + random.nextDouble() * (b[3] - b[2]));
            RegionId chosen = ALLOCATOR.allocate(AllocationPolicy.proximity(), where, Set.of()).region();
            // the nearest region by great-circle distance, computed independently here; within the tie distance
            // of it, the heaviest region
            RegionConfig nearest = CONFIGS.regions().stream()
                    .min(java.util.Comparator.comparingDouble(r -> r.location().distanceKm(where))).orElseThrow();
            RegionConfig expected = CONFIGS.regions().stream()
                    .filter(r -> r.location().distanceKm(where) - nearest.location().distanceKm(where) <= RegionAllocator.TIE_KM)
                    .max(java.util.Comparator.comparingInt(RegionConfig::weight)
                            .thenComparing(r -> r.location().distanceKm(where), java.util.Comparator.reverseOrder()))
                    .orElseThrow();
            assertEquals(expected.id(), chosen, country + " " + where);
            counts.merge(country + "->" + chosen.value(), 1, Integer::sum);
        }
        // the expected regions per country for these boxes
        assertTrue(counts.keySet().stream().allMatch(k -> k.startsWith("DE->eu-central") || k.startsWith("FR->")
                || k.startsWith("NG->") || k.startsWith("ZA->af-south") || k.startsWith("CA->us-east") || k.startsWith("US->us-east")), counts.toString());
        assertEquals(50, counts.get("ZA->af-south"), counts.toString());
        assertEquals(50, counts.get("DE->eu-central"), counts.toString());
        assertEquals(50, counts.get("US->us-east"), counts.toString());
        assertEquals(50, counts.get("CA->us-east"), counts.toString());
    }

    @Test
    void pinnedToEu_aDeviceInTheUs_goesToEuCentral() {
        RegionAllocator.Allocation a = ALLOCATOR.allocate(AllocationPolicy.pinnedTo(Set.of(Jurisdiction.of("EU"))),
                GeoPoint.of(40.7128, -74.0060), Set.of());
        assertEquals(EU, a.region());
        assertEquals(1, a.candidates());
    }

    @Test
    void aRegionThatIsDown_isSkipped_andSaidSo() {
        GeoPoint berlin = GeoPoint.of(52.52, 13.405);
        RegionAllocator.Allocation a = ALLOCATOR.allocate(AllocationPolicy.proximity(), berlin, Set.of(EU));
        assertEquals(UK, a.region());
        assertEquals(List.of(EU), a.skippedDown());
        RegionAllocator.NoRegionAvailableException e = assertThrows(RegionAllocator.NoRegionAvailableException.class,
                () -> ALLOCATOR.allocate(AllocationPolicy.pinnedTo(Set.of(Jurisdiction.of("EU"))), berlin, Set.of(EU)));
        assertTrue(e.getMessage().contains("is down") && e.getMessage().contains("eu-central"), e.getMessage());
    }

    @Test
    void staticRegions_pickTheNearestNamedOne() {
        AllocationPolicy fixed = AllocationPolicy.staticRegions(List.of(US, ZA));
        GeoPoint nairobi = GeoPoint.of(-1.2921, 36.8219);
        assertEquals(ZA, ALLOCATOR.allocate(fixed, nairobi, Set.of()).region(), "Cape Town is nearer Nairobi than Virginia");
        assertEquals(US, ALLOCATOR.allocate(fixed, nairobi, Set.of(ZA)).region());
        assertEquals(US, ALLOCATOR.allocate(fixed, GeoPoint.of(52.52, 13.405), Set.of()).region(), "Virginia is nearer Berlin than Cape Town");
    }

    @Test
    void aTie_goesToTheHigherWeight() {
        List<RegionConfig> regions = new ArrayList<>();
        RegionConfig eu = CONFIGS.require("eu-central");
        regions.add(eu);
        // a second region 20 km from Frankfurt, heavier
        regions.add(new RegionConfig(RegionId.of("eu-central-2"), "Twin", "Offenbach", "DE", GeoPoint.of(50.0955, 8.7761),
                eu.jurisdiction(), "eu-central-2", eu.weight() + 50, eu.localPorts(), eu.endpoints()));
        RegionAllocator twins = new RegionAllocator(regions);
        GeoPoint mainz = GeoPoint.of(49.9929, 8.2473);
        assertEquals(RegionId.of("eu-central-2"), twins.allocate(AllocationPolicy.proximity(), mainz, Set.of()).region(),
                "Frankfurt is nearer Mainz by less than the tie distance, so the heavier twin wins");
    }

    @Test
    void countryAndAddress_resolveToAPoint() throws Exception {
        DeviceLocations locations = DeviceLocations.builtIn();
        assertTrue(locations.countries() >= 20);
        assertEquals(ZA, ALLOCATOR.allocate(AllocationPolicy.proximity(), locations.country("ZA").orElseThrow(), Set.of()).region());
        assertEquals("DE", locations.countryOf(java.net.InetAddress.getByName("192.0.2.77")).orElseThrow());
        assertEquals("FR", locations.countryOf(java.net.InetAddress.getByName("2001:db8::1")).orElseThrow());
        assertTrue(locations.countryOf(java.net.InetAddress.getByName("10.1.2.3")).isEmpty());
        assertTrue(locations.country("XX").isEmpty());
    }

    @Test
    void aBrokenLocationTable_isRefusedNamingTheEntry() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("locations", ".yaml");
        try {
            java.nio.file.Files.writeString(file, "countries:\n  DE: {lat: 52.5, lon: 13.4}\nipRanges:\n  - {cidr: \"192.0.2.0/24\", country: ZA}\n");
            assertTrue(assertThrows(IllegalArgumentException.class, () -> DeviceLocations.load(file)).getMessage()
                    .contains("names country ZA, which has no point"));
            java.nio.file.Files.writeString(file, "countries:\n  Germany: {lat: 52.5, lon: 13.4}\n");
            assertTrue(assertThrows(IllegalArgumentException.class, () -> DeviceLocations.load(file)).getMessage()
                    .contains("ISO 3166-1 alpha-2, was 'Germany'"));
            java.nio.file.Files.writeString(file, "countries:\n  DE: {lat: 52.5, lon: 13.4}\nipRanges:\n  - {cidr: \"example.com/24\", country: DE}\n");
            assertTrue(assertThrows(IllegalArgumentException.class, () -> DeviceLocations.load(file)).getMessage()
                    .contains("must start with an IP address"));
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }
}
