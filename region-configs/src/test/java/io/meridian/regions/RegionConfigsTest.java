package io.meridian.regions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.RegionId;
import io.meridian.policy.model.TransferBasis;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegionConfigsTest {

    @Test
    void shippedConfigs_loadFourRegionsInTheirJurisdictions() {
        RegionConfigs configs = RegionConfigs.loadDefault();

        assertEquals(List.of("af-south", "eu-central", "uk-south", "us-east"),
                configs.regions().stream().map(r -> r.id().value()).toList());
        assertEquals(Jurisdiction.of("EU"), configs.require("eu-central").jurisdiction());
        assertEquals(Jurisdiction.of("ZA"), configs.require("af-south").jurisdiction());
        assertEquals(Jurisdiction.of("US"), configs.require("us-east").jurisdiction());
        assertEquals(Jurisdiction.of("GB"), configs.require("uk-south").jurisdiction());
        assertEquals("Frankfurt am Main", configs.require("eu-central").city());
        assertEquals("eu-central-1", configs.require("eu-central").cloudRegion());
        assertEquals(-33.9249, configs.require("af-south").location().latitude(), 1e-9);
        assertEquals(8883, configs.require("us-east").endpoints().mqttPort());
    }

    @Test
    void shippedDefaults_areKTenFifteenMinutesGeohashFive() {
        RegionConfigs configs = RegionConfigs.loadDefault();

        assertEquals(10, configs.policyDefaults().minDistinctDevices());
        assertEquals(Duration.ofMinutes(15), configs.policyDefaults().minWindow());
        assertEquals(5, configs.policyDefaults().maxGeohashPrecision());
        assertEquals("PROXIMITY", configs.tenantDefaults().allocation());
        assertEquals(List.of(RegionId.of("eu-central"), RegionId.of("af-south"), RegionId.of("us-east")),
                configs.localServices().defaultRegions());
        assertEquals(Duration.ofDays(90), configs.tenantDefaults().retention());
    }

    @Test
    void jurisdictionTable_coversEveryPairWithSourceAndDate_andSaysItIsNotLegalAdvice() {
        RegionConfigs configs = RegionConfigs.loadDefault();
        int n = configs.jurisdictions().size();

        assertEquals(n * (n - 1), configs.transfers().size());
        configs.jurisdictions().forEach(j -> {
            assertFalse(j.source().isBlank(), j.code() + " has a source");
            assertTrue(j.asOf() != null, j.code() + " has a date");
        });
        configs.transfers().forEach(t -> {
            assertFalse(t.source().isBlank(), t.from() + "->" + t.to() + " has a source");
            assertTrue(t.asOf() != null, t.from() + "->" + t.to() + " has a date");
        });
        assertTrue(configs.disclaimer().contains("not legal advice"), configs.disclaimer());
        assertEquals(TransferBasis.ADEQUACY,
                configs.policyRules().basis(Jurisdiction.of("EU"), Jurisdiction.of("GB")));
        assertEquals(TransferBasis.SCCS_REQUIRED,
                configs.policyRules().basis(Jurisdiction.of("EU"), Jurisdiction.of("US")));
    }

    @Test
    void shippedPortBlocks_areDisjoint_andNoNamedPortsCollide() {
        RegionConfigs configs = RegionConfigs.loadDefault();
        Set<Integer> ports = new HashSet<>();
        configs.regions().forEach(r -> r.localPorts().named().forEach((name, port) ->
                assertTrue(ports.add(port), r.id() + " " + name + " port " + port + " is used twice")));
        LocalServices local = configs.localServices();
        for (int port : new int[] {local.keycloak(), local.catalog(), local.s3(), local.kinesis()}) {
            assertTrue(ports.add(port), "local service port " + port + " collides");
        }
    }

    @Test
    void fifthRegionFile_appearsInTheModelWithNoCodeChange(@TempDir Path tmp) {
        ConfigDir dir = ConfigDir.copyOfShipped(tmp).write("regions/eu-north.yaml", """
                id: eu-north
                displayName: "Stockholm (EU North)"
                city: Stockholm
                country: SE
                coordinates:
                  latitude: 59.3293
                  longitude: 18.0686
                jurisdiction: EU
                cloud:
                  provider: aws
                  region: eu-north-1
                weight: 50
                localPorts:
                  base: 20400
                endpoints:
                  mqtt:
                    host: mqtt.eu-north.meridian.example
                    port: 8883
                  http: https://http.eu-north.meridian.example
                  api: https://api.eu-north.meridian.example
                  gateway: https://gateway.eu-north.meridian.example
                """);

        RegionConfigs configs = RegionConfigs.load(dir.root());

        assertEquals(5, configs.regions().size());
        RegionConfig added = configs.require("eu-north");
        assertEquals("Stockholm", added.city());
        assertEquals(Jurisdiction.of("EU"), configs.policyRules().jurisdictionOf(RegionId.of("eu-north")).orElseThrow());
        assertEquals(20442, added.localPorts().cassandraCql());
        // The revision covers the regions, so adding one changes it.
        assertFalse(configs.policyRules().revision().equals(RegionConfigs.loadDefault().policyRules().revision()));
    }

    @Test
    void sameDirectory_loadedTwice_hasTheSameRevision() {
        assertEquals(RegionConfigs.loadDefault().policyRules().revision(),
                RegionConfigs.loadDefault().policyRules().revision());
    }

    @Test
    void missingDirectory_isNamed(@TempDir Path tmp) {
        Path missing = tmp.resolve("nope");
        RegionConfigException e = assertThrows(RegionConfigException.class, () -> RegionConfigs.load(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void unknownRegion_lookup_namesTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RegionConfigs.loadDefault().require("mars-north"));
        assertTrue(e.getMessage().contains("eu-central") && e.getMessage().contains("mars-north"), e.getMessage());
    }
}
