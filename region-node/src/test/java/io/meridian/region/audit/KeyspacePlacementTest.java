package io.meridian.region.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeyspacePlacementTest {

    private static final Set<String> HOME = Set.of("datacenter1");

    @Test
    void simpleStrategy_onAClusterOfOnlyThisRegionsDataCentre_isInRegion() {
        KeyspacePlacement p = KeyspacePlacement.judge("meridian_data", List.of("raw"),
                Map.of("class", "org.apache.cassandra.locator.SimpleStrategy", "replication_factor", "1"), Set.of("datacenter1"), HOME);
        assertTrue(p.inRegion(), p.reason());
        assertEquals(Set.of("datacenter1"), p.dataCenters());
    }

    @Test
    void simpleStrategy_onAClusterWithAForeignDataCentre_isNotInRegion() {
        KeyspacePlacement p = KeyspacePlacement.judge("meridian_data", List.of("raw"),
                Map.of("class", "org.apache.cassandra.locator.SimpleStrategy", "replication_factor", "3"), Set.of("datacenter1", "us-east-dc"), HOME);
        assertFalse(p.inRegion());
        assertTrue(p.reason().contains("us-east-dc is not this region's"), p.reason());
    }

    @Test
    void networkTopology_namingAForeignDataCentre_isNotInRegion_withAReason() {
        KeyspacePlacement p = KeyspacePlacement.judge("meridian_gateway", List.of("gateway"),
                Map.of("class", "org.apache.cassandra.locator.NetworkTopologyStrategy", "datacenter1", "1", "us-east-dc", "1"), Set.of("datacenter1"),
                HOME);
        assertFalse(p.inRegion());
        assertEquals(Set.of("datacenter1", "us-east-dc"), p.dataCenters());
        assertEquals("NetworkTopologyStrategy with replicas in datacenter1, us-east-dc; us-east-dc is not this region's (datacenter1)", p.reason());
    }

    @Test
    void networkTopology_withZeroReplicasAbroad_isInRegion() {
        KeyspacePlacement p = KeyspacePlacement.judge("meridian_egress", List.of("decision-log"),
                Map.of("class", "NetworkTopologyStrategy", "datacenter1", "3", "us-east-dc", "0"), Set.of("datacenter1", "us-east-dc"), HOME);
        assertTrue(p.inRegion(), p.reason());
        assertEquals(Set.of("datacenter1"), p.dataCenters());
    }

    @Test
    void anUnknownStrategy_orNoReplicaAnywhere_cannotBeShownInRegion() {
        assertFalse(KeyspacePlacement.judge("k", List.of("raw"), Map.of("class", "com.example.Custom"), HOME, HOME).inRegion());
        assertFalse(KeyspacePlacement.judge("k", List.of("raw"), Map.of("class", "NetworkTopologyStrategy"), HOME, HOME).inRegion());
    }
}
