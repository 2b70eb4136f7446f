package io.meridian.terraform;

import static io.meridian.terraform.RegionStackTest.iterable;
import static io.meridian.terraform.RegionStackTest.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.meridian.regions.RegionConfig;
import io.meridian.regions.RegionConfigs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The global stack routes devices to their nearest region and keeps gateways away from raw data. */
class GlobalStackTest {

    private static RegionConfigs configs;
    private static JsonNode global;

    @BeforeAll
    static void synthOnce() {
        configs = RegionConfigs.loadDefault();
        global = Synthesized.real().global();
    }

    @Test
    void oneLatencyRecordPerRegion_perEndpoint_pointingAtThatRegionsLoadBalancer() {
        String zone = MeridianInfra.zoneOf(configs.regions());
        assertEquals("meridian.example", zone);
        Map<String, List<JsonNode>> byNameAndRegion = new TreeMap<>();
        int latencyRecords = 0;
        for (var record : iterable(global.path("resource").path("aws_route53_record").fields())) {
            JsonNode r = record.getValue();
            if (!r.has("latency_routing_policy")) {
                continue;
            }
            latencyRecords++;
            byNameAndRegion.computeIfAbsent(r.path("name").asText() + " " + r.path("set_identifier").asText(),
                    k -> new ArrayList<>()).add(r);
        }
        assertEquals(configs.regions().size() * GlobalStack.LATENCY_ENDPOINTS.size(), latencyRecords);
        for (RegionConfig region : configs.regions()) {
            String id = region.id().value();
            for (String endpoint : List.of("bootstrap", "mqtt")) {
                List<JsonNode> records = byNameAndRegion.get(endpoint + "." + zone + " " + id);
                assertTrue(records != null && records.size() == 1, "one " + endpoint + " record for " + id);
                JsonNode r = records.get(0);
                assertEquals(region.cloudRegion(), r.path("latency_routing_policy").path("region").asText());
                assertEquals("${data.aws_lb.nlb-" + id + ".dns_name}", r.path("alias").path("name").asText());
                assertEquals("${aws_route53_zone.zone.zone_id}", r.path("zone_id").asText());
            }
            // The load balancer is looked up in its own region, by the tags the region stack puts on it.
            JsonNode nlb = global.path("data").path("aws_lb").path("nlb-" + id);
            assertEquals("aws." + id, nlb.path("provider").asText());
            assertEquals(id, nlb.path("tags").path("meridian:region").asText());
        }
    }

    @Test
    void gatewayRole_mayOnlyUseItsRegionsStream_andIsDeniedRawDataAndTheRegionKey() {
        for (RegionConfig region : configs.regions()) {
            String id = region.id().value();
            JsonNode statements = global.path("data").path("aws_iam_policy_document")
                    .path("gateway-policy-document-" + id).path("statement");
            List<JsonNode> allows = new ArrayList<>();
            statements.forEach(s -> {
                if ("Allow".equals(s.path("effect").asText())) {
                    allows.add(s);
                }
            });
            assertEquals(1, allows.size(), id + " gateway has exactly one allow");
            assertEquals(List.of("${data.aws_kinesis_stream.aggregates-" + id + ".arn}"),
                    strings(allows.get(0).path("resources")));
            assertTrue(strings(allows.get(0).path("actions")).stream().allMatch(a -> a.startsWith("kinesis:")));
            assertEquals("meridian-" + id + "-aggregates",
                    global.path("data").path("aws_kinesis_stream").path("aggregates-" + id).path("name").asText());
            assertEquals("aws." + id,
                    global.path("data").path("aws_kinesis_stream").path("aggregates-" + id).path("provider").asText());

            boolean deniesRaw = false;
            boolean deniesKey = false;
            for (JsonNode s : statements) {
                if ("Deny".equals(s.path("effect").asText())) {
                    deniesRaw |= strings(s.path("resources")).contains("arn:aws:s3:::meridian-" + id + "-raw-*/*");
                    deniesKey |= strings(s.path("actions")).contains("kms:*");
                }
            }
            assertTrue(deniesRaw && deniesKey, id + " gateway must be denied the raw archive and the region key");
        }
    }

    @Test
    void catalog_listsEveryRegionsDataCentre_withNetworkTopologyReplication() {
        JsonNode datacenters = global.path("output").path("catalog_datacenters").path("value");
        assertEquals(configs.regions().size(), datacenters.size());
        String cql = global.path("output").path("catalog_keyspace_cql").path("value").asText();
        assertTrue(cql.contains("'class': 'NetworkTopologyStrategy'"), cql);
        for (RegionConfig region : configs.regions()) {
            assertTrue(cql.contains("'" + region.id() + "': 3"), cql);
            JsonNode parameter = global.path("resource").path("aws_ssm_parameter").path("catalog-topology-" + region.id());
            assertEquals("aws." + region.id(), parameter.path("provider").asText());
            assertTrue(parameter.path("value").asText().contains("\"" + region.id() + "\":3"));
        }
    }
}
