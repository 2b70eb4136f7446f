package io.meridian.terraform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.hashicorp.cdktf.Testing;
import io.meridian.regions.RegionConfig;
import io.meridian.regions.RegionConfigs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The region stacks keep everything, and above all raw data, in their own region. */
class RegionStackTest {

    /** Resource types that hold or carry data and must live in the region. */
    private static final List<String> DATA_RESOURCES = List.of(
            "aws_s3_bucket", "aws_kinesis_stream", "aws_msk_cluster", "aws_kms_key", "aws_autoscaling_group",
            "aws_launch_template", "aws_cloudwatch_log_group");

    private static RegionConfigs configs;
    private static Synthesized synth;

    @BeforeAll
    static void synthOnce() {
        configs = RegionConfigs.loadDefault();
        synth = Synthesized.real();
    }

    @Test
    void everyRegionFile_hasItsOwnStack() {
        Set<String> expected = new TreeSet<>();
        configs.regions().forEach(r -> expected.add(RegionStack.stackName(r.id().value())));
        assertEquals(expected, synth.regionStacks().keySet());
        assertTrue(configs.regions().size() >= 4, "the checkout declares at least 4 regions");
    }

    @Test
    void regionStack_declaresOnlyItsRegionsProvider() {
        for (RegionConfig region : configs.regions()) {
            JsonNode stack = stackOf(region);
            JsonNode providers = stack.path("provider").path("aws");
            assertEquals(1, providers.size(), region.id() + " must have exactly one AWS provider");
            assertEquals(region.id().value(), providers.get(0).path("alias").asText());
            assertEquals(region.cloudRegion(), providers.get(0).path("region").asText());
        }
    }

    @Test
    void everyResourceAndDataSource_usesItsOwnRegionsProviderAlias() {
        for (RegionConfig region : configs.regions()) {
            String expected = "aws." + region.id().value();
            JsonNode stack = stackOf(region);
            int checked = 0;
            for (String block : List.of("resource", "data")) {
                for (var type : iterable(stack.path(block).fields())) {
                    for (var resource : iterable(type.getValue().fields())) {
                        assertEquals(expected, resource.getValue().path("provider").asText(),
                                block + " " + type.getKey() + "." + resource.getKey() + " in " + region.id());
                        checked++;
                    }
                }
            }
            assertTrue(checked > 50, "a region stack has dozens of resources, checked " + checked);
            for (String type : DATA_RESOURCES) {
                assertTrue(stack.path("resource").has(type), region.id() + " must declare " + type);
            }
            // Both fleets, the region nodes and Cassandra, are auto-scaling groups in this region.
            assertEquals(Set.of("cassandra", "region-node"), names(stack.path("resource").path("aws_autoscaling_group")));
        }
    }

    @Test
    void noReplication_copiesRawStorageAnywhere() {
        for (var stack : synth.stacks().entrySet()) {
            JsonNode resources = stack.getValue().path("resource");
            assertFalse(resources.has("aws_s3_bucket_replication_configuration"),
                    stack.getKey() + " must not declare a replication configuration");
            List<String> paths = new ArrayList<>();
            findKey(stack.getValue(), "replication_configuration", "", paths);
            assertEquals(List.of(), paths, stack.getKey() + " must have no replication_configuration block");
        }
    }

    @Test
    void rawArchive_isNamedForItsRegion_encryptedWithTheRegionKey_andClosed() {
        for (RegionConfig region : configs.regions()) {
            JsonNode resources = stackOf(region).path("resource");
            String bucket = resources.path("aws_s3_bucket").path("raw-archive").path("bucket").asText();
            assertTrue(bucket.startsWith("meridian-" + region.id() + "-raw-"), bucket);

            JsonNode sse = resources.path("aws_s3_bucket_server_side_encryption_configuration")
                    .path("raw-archive-encryption").path("rule").get(0).path("apply_server_side_encryption_by_default");
            assertEquals("aws:kms", sse.path("sse_algorithm").asText());
            assertEquals("${aws_kms_key.kms-key.arn}", sse.path("kms_master_key_id").asText());

            JsonNode block = resources.path("aws_s3_bucket_public_access_block").path("raw-archive-public-access-block");
            for (String flag : List.of("block_public_acls", "block_public_policy", "ignore_public_acls",
                    "restrict_public_buckets")) {
                assertTrue(block.path(flag).asBoolean(), region.id() + " " + flag);
            }

            JsonNode key = resources.path("aws_kms_key").path("kms-key");
            assertFalse(key.path("multi_region").asBoolean(true), "the region key must be single-region");
            assertTrue(key.path("enable_key_rotation").asBoolean());
        }
    }

    @Test
    void rawArchivePolicy_deniesReplicationToEveryone_andDataAccessOutsideTheRegionRoles() {
        for (RegionConfig region : configs.regions()) {
            JsonNode stack = stackOf(region);
            assertEquals("${data.aws_iam_policy_document.raw-archive-policy-document.json}",
                    stack.path("resource").path("aws_s3_bucket_policy").path("raw-archive-policy").path("policy").asText());
            JsonNode statements = stack.path("data").path("aws_iam_policy_document")
                    .path("raw-archive-policy-document").path("statement");

            JsonNode replication = statement(statements, "DenyReplication");
            assertEquals("Deny", replication.path("effect").asText());
            assertTrue(strings(replication.path("actions")).contains("s3:PutReplicationConfiguration"));
            assertEquals(List.of("*"), strings(replication.path("principals").get(0).path("identifiers")));
            assertFalse(replication.has("condition"), "replication is denied unconditionally");

            JsonNode outsiders = statement(statements, "DenyDataAccessOutsideRegionRoles");
            assertEquals("Deny", outsiders.path("effect").asText());
            assertTrue(strings(outsiders.path("actions")).containsAll(List.of("s3:GetObject*", "s3:PutObject*")));
            JsonNode condition = outsiders.path("condition").get(0);
            assertEquals("aws:PrincipalArn", condition.path("variable").asText());
            assertTrue(condition.path("test").asText().endsWith("NotEquals"), condition.toString());
            assertEquals(List.of("${aws_iam_role.role-region-node.arn}", "${aws_iam_role.role-break-glass.arn}"),
                    strings(condition.path("values")));
        }
    }

    @Test
    void cassandraNodes_runPaxosV2_inTheirOwnDataCentre() {
        for (RegionConfig region : configs.regions()) {
            String userData = new String(java.util.Base64.getDecoder().decode(stackOf(region).path("resource").path("aws_launch_template")
                    .path("launch-template-cassandra").path("user_data").asText()), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(userData.contains("echo 'paxos_variant: v2' >> /etc/cassandra/conf/cassandra.yaml"), region.id().value());
            // any paxos_variant line of the package's file goes first, so the key is not there twice
            int dropOld = userData.indexOf("sed -i '/^#\\? *paxos_variant:/d' /etc/cassandra/conf/cassandra.yaml");
            assertTrue(dropOld >= 0 && dropOld < userData.indexOf("echo 'paxos_variant: v2'"), region.id().value());
            assertTrue(userData.contains("dc=%s") && userData.contains("'" + region.id().value() + "'"), region.id().value());
        }
    }

    @Test
    void kafkaCassandraAndLogs_areEncryptedWithTheRegionKey() {
        for (RegionConfig region : configs.regions()) {
            JsonNode resources = stackOf(region).path("resource");
            String key = "${aws_kms_key.kms-key.arn}";
            assertEquals(key, resources.path("aws_msk_cluster").path("kafka").path("encryption_info")
                    .path("encryption_at_rest_kms_key_arn").asText());
            for (JsonNode volume : resources.path("aws_launch_template").path("launch-template-cassandra")
                    .path("block_device_mappings")) {
                assertEquals(key, volume.path("ebs").path("kms_key_id").asText());
                assertEquals("true", volume.path("ebs").path("encrypted").asText());
            }
            for (var group : iterable(resources.path("aws_cloudwatch_log_group").fields())) {
                assertEquals(key, group.getValue().path("kms_key_id").asText(), group.getKey());
                assertTrue(group.getValue().path("name").asText().startsWith("/meridian/" + region.id() + "/"));
            }
        }
    }

    @Test
    void regionNodes_scaleUpMornings_andDownNights_inTheRegionsLocalTime() {
        for (RegionConfig region : configs.regions()) {
            JsonNode resources = stackOf(region).path("resource");
            String zone = AwsRegion.of(region.cloudRegion()).timeZone().getId();
            JsonNode morning = resources.path("aws_autoscaling_schedule").path("scale-up-morning");
            JsonNode night = resources.path("aws_autoscaling_schedule").path("scale-down-night");
            assertEquals(zone, morning.path("time_zone").asText());
            assertEquals(zone, night.path("time_zone").asText());
            assertTrue(morning.path("min_size").asInt() > night.path("min_size").asInt(),
                    "the day floor must be above the night floor");
            assertEquals("TargetTrackingScaling", resources.path("aws_autoscaling_policy").path("scale-on-cpu")
                    .path("policy_type").asText());

            JsonNode listeners = resources.path("aws_lb_listener");
            assertEquals(Set.of(8883, 443), Set.of(listeners.path("listener-mqtt").path("port").asInt(),
                    listeners.path("listener-https").path("port").asInt()));
            assertEquals("network", resources.path("aws_lb").path("nlb").path("load_balancer_type").asText());
        }
        assertEquals("Europe/Berlin", AwsRegion.of("eu-central-1").timeZone().getId());
        assertEquals("Africa/Johannesburg", AwsRegion.of("af-south-1").timeZone().getId());
    }

    @Test
    void subnets_spreadAcrossExplicitAvailabilityZonesOfTheRegion() {
        for (RegionConfig region : configs.regions()) {
            Set<String> zones = new TreeSet<>();
            for (var subnet : iterable(stackOf(region).path("resource").path("aws_subnet").fields())) {
                String zone = subnet.getValue().path("availability_zone").asText();
                assertTrue(zone.matches(java.util.regex.Pattern.quote(region.cloudRegion()) + "[a-z]"), zone);
                zones.add(zone);
            }
            assertTrue(zones.size() >= 2 && zones.size() <= 3, region.id() + " zones " + zones);
            assertEquals(zones.size(), stackOf(region).path("resource").path("aws_msk_cluster").path("kafka")
                    .path("number_of_broker_nodes").asInt(), "one broker per zone");
        }
    }

    @Test
    void cdktfTesting_seesTheSingleRegionKeyAndTheAggregateStream() {
        // The same assertions through cdktf's own Testing helpers, on a single stack synthesized in isolation.
        var app = Testing.app();
        var stacks = MeridianInfra.define(app, configs, Sizing.SMALLEST);
        String json = Testing.synth(stacks.regions().get(0));
        assertTrue(Testing.toHaveResourceWithProperties(json, "aws_kms_key",
                Map.of("multi_region", false, "enable_key_rotation", true)));
        assertTrue(Testing.toHaveResourceWithProperties(json, "aws_kinesis_stream",
                Map.of("name", "meridian-" + stacks.regions().get(0).region().id() + "-aggregates", "shard_count", 1)));
        assertFalse(Testing.toHaveResource(json, "aws_s3_bucket_replication_configuration"));
    }

    private static JsonNode stackOf(RegionConfig region) {
        JsonNode stack = synth.stacks().get(RegionStack.stackName(region.id().value()));
        assertTrue(stack != null, "no stack for " + region.id());
        return stack;
    }

    private static JsonNode statement(JsonNode statements, String sid) {
        for (JsonNode s : statements) {
            if (sid.equals(s.path("sid").asText())) {
                return s;
            }
        }
        throw new AssertionError("no statement " + sid + " in " + statements);
    }

    static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    static Set<String> names(JsonNode object) {
        Set<String> names = new TreeSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    static <T> Iterable<T> iterable(java.util.Iterator<T> iterator) {
        return () -> iterator;
    }

    private static void findKey(JsonNode node, String key, String path, List<String> found) {
        if (node.isObject()) {
            for (var field : iterable(node.fields())) {
                String here = path + "/" + field.getKey();
                if (field.getKey().equals(key)) {
                    found.add(here);
                }
                findKey(field.getValue(), key, here, found);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                findKey(node.get(i), key, path + "/" + i, found);
            }
        }
    }
}
