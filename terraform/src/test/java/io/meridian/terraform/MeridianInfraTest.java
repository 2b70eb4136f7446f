package io.meridian.terraform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.regions.RegionConfig;
import io.meridian.regions.RegionConfigs;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The parts of stack generation that need no synth. */
class MeridianInfraTest {

    @Test
    void zone_isWhatFollowsTheRegionIdInTheMqttHost() {
        assertEquals("meridian.example", MeridianInfra.zoneOf(RegionConfigs.loadDefault().regions()));
    }

    @Test
    void regionsInDifferentZones_areRejected_namingBoth() {
        List<RegionConfig> regions = RegionConfigs.loadDefault().regions();
        RegionConfig first = regions.get(0);
        RegionConfig other = regions.get(1);
        var moved = new RegionConfig(other.id(), other.displayName(), other.city(), other.country(),
                other.location(), other.jurisdiction(), other.cloudRegion(), other.weight(), other.localPorts(),
                new io.meridian.regions.Endpoints("mqtt." + other.id() + ".elsewhere.example", 8883,
                        other.endpoints().http(), other.endpoints().api(), other.endpoints().gateway()));
        var e = assertThrows(IllegalArgumentException.class, () -> MeridianInfra.zoneOf(List.of(first, moved)));
        assertTrue(e.getMessage().contains(first.id().value()) && e.getMessage().contains(other.id().value()),
                e.getMessage());
    }

    @Test
    void unknownCloudRegion_isRejected_namingIt() {
        var e = assertThrows(IllegalArgumentException.class, () -> AwsRegion.of("xx-nowhere-9"));
        assertTrue(e.getMessage().contains("xx-nowhere-9"), e.getMessage());
    }

    @Test
    void everyCheckedInRegion_hasATimeZoneAndTwoOrThreeZones() {
        for (RegionConfig region : RegionConfigs.loadDefault().regions()) {
            AwsRegion aws = AwsRegion.of(region.cloudRegion());
            assertTrue(aws.availabilityZones().size() >= 2, region.id().value());
            aws.availabilityZones().forEach(z -> assertTrue(z.startsWith(region.cloudRegion()), z));
        }
        assertEquals(List.of("us-west-1a", "us-west-1c"), AwsRegion.of("us-west-1").availabilityZones());
    }
}
