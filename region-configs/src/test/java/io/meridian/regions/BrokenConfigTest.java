package io.meridian.regions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of broken file fails loading with a message that names the file, the line and the field.
 */
class BrokenConfigTest {

    @TempDir
    Path tmp;

    private ConfigDir dir() {
        return ConfigDir.copyOfShipped(tmp);
    }

    private static void assertNames(RegionConfigException e, Path file, int line, String field, String problem) {
        String m = e.getMessage();
        assertEquals(file, e.file(), m);
        assertEquals(line, e.line(), m);
        assertEquals(field, e.field(), m);
        assertTrue(m.startsWith(file + ":" + line + ": field '" + field + "'"), m);
        assertTrue(m.contains(problem), m);
    }

    private static RegionConfigException failsToLoad(ConfigDir dir) {
        return assertThrows(RegionConfigException.class, () -> RegionConfigs.load(dir.root()));
    }

    @Test
    void unknownKey_isNamedWithItsLine() {
        ConfigDir d = dir().replace("regions/af-south.yaml", "weight: 100\n", "weight: 100\ncolour: blue\n");
        assertNames(failsToLoad(d), d.file("regions/af-south.yaml"), d.lineOf("regions/af-south.yaml", "colour"),
                "colour", "is not a known key");
    }

    @Test
    void unknownNestedKey_isNamedWithItsPath() {
        ConfigDir d = dir().replace("regions/us-east.yaml", "  latitude: 39.0438\n", "  latitude: 39.0438\n  altitude: 12\n");
        assertNames(failsToLoad(d), d.file("regions/us-east.yaml"), d.lineOf("regions/us-east.yaml", "altitude"),
                "coordinates.altitude", "is not a known key");
    }

    @Test
    void missingField_isNamed() {
        ConfigDir d = dir().replace("regions/eu-central.yaml", "city: \"Frankfurt am Main\"\n", "");
        // A missing key has no line of its own: the error points at the mapping that lacks it.
        assertNames(failsToLoad(d), d.file("regions/eu-central.yaml"), d.lineOf("regions/eu-central.yaml", "id:"),
                "city", "is required but missing");
    }

    @Test
    void duplicateKey_isNamedWithBothLines() {
        ConfigDir d = dir().replace("regions/uk-south.yaml", "weight: 80\n", "weight: 80\nweight: 90\n");
        RegionConfigException e = failsToLoad(d);
        assertNames(e, d.file("regions/uk-south.yaml"), d.lineOf("regions/uk-south.yaml", "weight: 90"), "weight",
                "duplicate key");
        assertTrue(e.getMessage().contains("first given on line " + d.lineOf("regions/uk-south.yaml", "weight: 80")),
                e.getMessage());
    }

    @Test
    void duplicateJurisdictionId_isNamed() {
        ConfigDir d = dir().replace("jurisdictions.yaml", "  - code: GB\n", "  - code: ZA\n");
        assertNames(failsToLoad(d), d.file("jurisdictions.yaml"), d.lineOf("jurisdictions.yaml", "Kingdom") - 1,
                "jurisdictions[3].code", "duplicate jurisdiction id ZA");
    }

    @Test
    void regionIdOtherThanItsFileName_isRefused() {
        ConfigDir d = dir().write("regions/eu-central-2.yaml",
                read(dir0(), "regions/eu-central.yaml").replace("base: 20000", "base: 20500"));
        assertNames(failsToLoad(d), d.file("regions/eu-central-2.yaml"), 3, "id",
                "must equal the file name eu-central-2, was eu-central");
    }

    @Test
    void latitudeOutOfRange_isNamed() {
        ConfigDir d = dir().replace("regions/af-south.yaml", "latitude: -33.9249", "latitude: -133.9249");
        assertNames(failsToLoad(d), d.file("regions/af-south.yaml"), d.lineOf("regions/af-south.yaml", "latitude"),
                "coordinates.latitude", "minimum value of -90");
    }

    @Test
    void longitudeOutOfRange_isNamed() {
        ConfigDir d = dir().replace("regions/us-east.yaml", "longitude: -77.4874", "longitude: 197.5");
        assertNames(failsToLoad(d), d.file("regions/us-east.yaml"), d.lineOf("regions/us-east.yaml", "longitude"),
                "coordinates.longitude", "maximum value of 180");
    }

    @Test
    void unknownJurisdictionReference_isNamed() {
        ConfigDir d = dir().replace("regions/uk-south.yaml", "jurisdiction: GB", "jurisdiction: XX");
        assertNames(failsToLoad(d), d.file("regions/uk-south.yaml"), d.lineOf("regions/uk-south.yaml", "jurisdiction:"),
                "jurisdiction", "references unknown jurisdiction XX");
    }

    @Test
    void transferToUnknownJurisdiction_isNamed() {
        ConfigDir d = dir().replace("jurisdictions.yaml", "  - from: GB\n    to: ZA\n", "  - from: GB\n    to: FR\n");
        RegionConfigException e = failsToLoad(d);
        assertTrue(e.getMessage().contains("references unknown jurisdiction FR"), e.getMessage());
        assertEquals("transfers[11].to", e.field());
    }

    @Test
    void missingTransferPair_isNamed() {
        String text = read(dir0(), "jurisdictions.yaml");
        int from = text.indexOf("  - from: GB\n    to: ZA\n");
        ConfigDir d = dir().write("jurisdictions.yaml", text.substring(0, from));
        RegionConfigException e = failsToLoad(d);
        assertEquals("transfers", e.field());
        assertTrue(e.getMessage().contains("missing GB -> ZA"), e.getMessage());
    }

    @Test
    void twoRegionsSharingAPortBlock_areBothNamed() {
        ConfigDir d = dir().replace("regions/us-east.yaml", "base: 20200", "base: 20000");
        RegionConfigException e = failsToLoad(d);
        assertNames(e, d.file("regions/us-east.yaml"), d.lineOf("regions/us-east.yaml", "base:"), "localPorts.base",
                "overlaps the block of region");
        assertTrue(e.getMessage().contains("eu-central") && e.getMessage().contains("eu-central.yaml"), e.getMessage());
    }

    @Test
    void badBasis_isNamed() {
        ConfigDir d = dir().replace("jurisdictions.yaml", "basis: ADEQUACY\n    source: \"Data Protection Act",
                "basis: MAYBE\n    source: \"Data Protection Act");
        RegionConfigException e = failsToLoad(d);
        assertEquals("transfers[9].basis", e.field());
        assertEquals(d.lineOf("jurisdictions.yaml", "basis: MAYBE"), e.line());
    }

    @Test
    void wrongType_isNamed() {
        ConfigDir d = dir().replace("regions/eu-central.yaml", "weight: 100", "weight: heavy");
        assertNames(failsToLoad(d), d.file("regions/eu-central.yaml"), d.lineOf("regions/eu-central.yaml", "weight:"),
                "weight", "integer");
    }

    @Test
    void invalidYaml_namesTheLine() {
        ConfigDir d = dir().replace("regions/af-south.yaml", "city: \"Cape Town\"", "city: \"Cape Town");
        RegionConfigException e = failsToLoad(d);
        assertTrue(e.getMessage().startsWith(d.file("regions/af-south.yaml") + ":"), e.getMessage());
        assertTrue(e.line() > 0, e.getMessage());
        assertTrue(e.getMessage().contains("not valid YAML"), e.getMessage());
    }

    @Test
    void strayFileInRegions_isRefusedRatherThanIgnored() {
        ConfigDir d = dir().write("regions/us-west.yml", "id: us-west\n");
        RegionConfigException e = failsToLoad(d);
        assertTrue(e.getMessage().contains("only <region-id>.yaml files"), e.getMessage());
    }

    @Test
    void loosenedDefault_isRefused() {
        ConfigDir d = dir().replace("policy-defaults.yaml", "minDistinctDevices: 10", "minDistinctDevices: 1");
        assertNames(failsToLoad(d), d.file("policy-defaults.yaml"), d.lineOf("policy-defaults.yaml", "minDistinctDevices"),
                "aggregateExport.minDistinctDevices", "minimum value of 2");
    }

    @Test
    void localServicePortInsideARegionBlock_isNamed() {
        ConfigDir d = dir().replace("local-services.yaml", "s3: 18091", "s3: 20150");
        RegionConfigException e = failsToLoad(d);
        assertNames(e, d.file("local-services.yaml"), d.lineOf("local-services.yaml", "s3:"), "ports.s3",
                "inside the port block of region af-south");
    }

    @Test
    void unknownDefaultRegion_isNamed() {
        ConfigDir d = dir().replace("local-services.yaml", "[eu-central, af-south, us-east]", "[eu-central, mars-north]");
        assertNames(failsToLoad(d), d.file("local-services.yaml"), d.lineOf("local-services.yaml", "defaultRegions"),
                "up.defaultRegions[1]", "names region mars-north, which has no file in regions/");
    }

    @Test
    void countryCodeNo_isReadAsTextNotAsBoolean() {
        // YAML 1.1 reads a bare NO as false; Norway must still load.
        ConfigDir d = dir().replace("regions/eu-central.yaml", "country: DE", "country: NO");
        assertEquals("NO", RegionConfigs.load(d.root()).require("eu-central").country());
    }

    private Path dir0() {
        return RegionConfigs.locate();
    }

    private static String read(Path root, String relative) {
        try {
            return java.nio.file.Files.readString(root.resolve(relative));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
