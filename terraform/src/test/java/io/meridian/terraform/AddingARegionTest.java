package io.meridian.terraform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.meridian.regions.RegionConfigs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Adding a region is adding a file: a fifth region YAML gives a fifth region stack, with no code change. */
class AddingARegionTest {

    private static final String FIFTH = """
            # A fifth region, added by a test to a copy of the real region-configs.
            id: eu-west
            displayName: "Dublin (EU West)"
            city: "Dublin"
            country: IE
            coordinates:
              latitude: 53.3498
              longitude: -6.2603
            jurisdiction: EU
            cloud:
              provider: aws
              region: eu-west-1
            weight: 90
            localPorts:
              base: 20900
            endpoints:
              mqtt:
                host: mqtt.eu-west.meridian.example
                port: 8883
              http: https://http.eu-west.meridian.example
              api: https://api.eu-west.meridian.example
              gateway: https://gateway.eu-west.meridian.example
            """;

    @Test
    void fifthRegionFile_addsAFifthRegionStack_andItsLatencyRecords() throws IOException {
        Path real = RegionConfigs.locate();
        Path copy = Synthesized.WORK.resolve("config-five");
        Synthesized.deleteRecursively(copy);
        Synthesized.copyRecursively(real, copy);
        Files.writeString(copy.resolve("regions").resolve("eu-west.yaml"), FIFTH);

        RegionConfigs configs = RegionConfigs.load(copy);
        assertEquals(RegionConfigs.load(real).regions().size() + 1, configs.regions().size());
        assertEquals(5, configs.regions().size(), "the checkout has four regions; the copy five");

        Synthesized five = Synthesized.synth(configs, "five-regions");
        assertEquals(5, five.regionStacks().size(), "stacks: " + five.stacks().keySet());
        JsonNode stack = five.stacks().get("region-eu-west");
        assertEquals("eu-west-1", stack.path("provider").path("aws").get(0).path("region").asText());
        assertEquals("Europe/Dublin", stack.path("resource").path("aws_autoscaling_schedule")
                .path("scale-up-morning").path("time_zone").asText());

        long latency = 0;
        for (JsonNode record : five.global().path("resource").path("aws_route53_record")) {
            if (record.has("latency_routing_policy")) {
                latency++;
                if (record.path("set_identifier").asText().equals("eu-west")) {
                    assertEquals("eu-west-1", record.path("latency_routing_policy").path("region").asText());
                }
            }
        }
        assertEquals(10, latency, "bootstrap and mqtt for each of five regions");
        assertTrue(five.global().path("output").path("catalog_keyspace_cql").path("value").asText()
                .contains("'eu-west': 3"));
    }
}
