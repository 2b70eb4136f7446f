package io.meridian.policy.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExportPolicySettingsTest {

    @Test
    void writeThenRead_givesTheSamePolicy() {
        ExportPolicy policy = ExportPolicy.none().allowingWithSccs(Jurisdiction.of("ZA")).allowing(Jurisdiction.of("US"))
                .withMinDistinctDevices(20).withMinWindow(Duration.ofHours(1)).withMaxGeohashPrecision(4).withAllowedLabels("model");
        Map<String, Object> settings = ExportPolicySettings.write(policy);
        assertEquals(List.of("US", "ZA"), settings.get("allowed-destinations"));
        assertEquals(List.of("ZA"), settings.get("sccs-in-place"));
        assertEquals("PT1H", settings.get("min-window"));
        assertEquals(policy, ExportPolicySettings.read(settings));
        assertEquals(ExportPolicy.none(), ExportPolicySettings.read(Map.of()));
        assertEquals(ExportPolicy.none(), ExportPolicySettings.read(ExportPolicySettings.write(ExportPolicy.none())));
    }

    @Test
    void malformedSettings_areRefused_namingTheSetting() {
        assertMessage(Map.of("k", "20"), "export setting k must be an integer");
        assertMessage(Map.of("k", 20.5), "export setting k must be an integer");
        assertMessage(Map.of("min-window", "an hour"), "export setting min-window must be an ISO-8601 duration");
        assertMessage(Map.of("allowed-destinations", "ZA"), "export setting allowed-destinations must be an array of strings");
        assertMessage(Map.of("allowed-labels", List.of(3)), "export setting allowed-labels must hold only strings");
        assertMessage(Map.of("allowed-destinations", List.of("south africa")), "export setting allowed-destinations");
        assertMessage(Map.of("kk", 3), "export setting kk is unknown");
        assertMessage(Map.of("k", 1), "k) must be at least 2");
        Map<String, Object> nulls = new LinkedHashMap<>();
        nulls.put("allowed-labels", java.util.Arrays.asList("model", null));
        assertMessage(nulls, "must hold only strings");
    }

    private static void assertMessage(Map<String, ?> settings, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExportPolicySettings.read(settings));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
