package io.meridian.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.regions.RegionConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Check 6: infrastructure stays in-region, judged on synthesized Terraform JSON ({@code manifest.json} and
 * {@code stacks/<stack>/cdk.tf.json}, as {@code ./meridian infra synth} writes them). In stack {@code region-<id>} every
 * data resource (storage, keys, logs, streams, and the compute that runs Cassandra, Kafka or region nodes) must use a
 * provider whose AWS region is that region's {@code cloud.region}, and none may belong to another region (by its
 * {@code meridian:region} tag or another region's id in its names). The global stack must hold no data resource.
 */
final class InfrastructureCheck {

    /** Resource types that hold data wherever they are. */
    static final Set<String> DATA_TYPES = Set.of("aws_s3_bucket", "aws_s3_object", "aws_s3_bucket_replication_configuration", "aws_ebs_volume",
            "aws_ebs_snapshot", "aws_kms_key", "aws_kms_replica_key", "aws_cloudwatch_log_group", "aws_msk_cluster", "aws_kinesis_stream",
            "aws_kinesis_firehose_delivery_stream", "aws_dynamodb_table", "aws_db_instance", "aws_rds_cluster", "aws_docdb_cluster",
            "aws_elasticache_cluster", "aws_elasticache_replication_group", "aws_efs_file_system", "aws_keyspaces_keyspace",
            "aws_keyspaces_table", "aws_sqs_queue", "aws_backup_vault", "aws_opensearch_domain", "aws_elasticsearch_domain",
            "aws_redshift_cluster", "aws_glacier_vault", "aws_secretsmanager_secret");
    /** Compute types that hold data when they run Cassandra, Kafka or a region node. */
    static final Set<String> COMPUTE_TYPES = Set.of("aws_instance", "aws_launch_template", "aws_autoscaling_group", "aws_spot_instance_request");
    private static final Pattern DATA_WORKLOAD = Pattern.compile("cassandra|kafka|region-node");
    private static final List<String> NAME_FIELDS = List.of("bucket", "bucket_prefix", "name", "name_prefix", "cluster_name", "identifier",
            "cluster_identifier", "domain_name", "table_name", "keyspace_name", "description");
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String GLOBAL = "global";

    private InfrastructureCheck() {
    }

    /** One row per audited region plus one for the global stack. */
    static List<CheckRow> run(Path dir, List<RegionConfig> audited, List<RegionConfig> federation, Findings findings) {
        List<CheckRow> rows = new ArrayList<>();
        Map<String, Path> stacks;
        try {
            stacks = stacks(dir);
        } catch (IOException | IllegalArgumentException e) {
            String reason = "the synthesized infrastructure in " + dir + " cannot be read: " + e.getMessage();
            audited.forEach(r -> rows.add(CheckRow.error(Findings.Check.INFRASTRUCTURE, r.id().value(), reason)));
            rows.add(CheckRow.error(Findings.Check.INFRASTRUCTURE, GLOBAL, reason));
            return rows;
        }
        for (RegionConfig region : audited) {
            String id = region.id().value();
            Path stack = stacks.get("region-" + id);
            if (stack == null) {
                rows.add(CheckRow.error(Findings.Check.INFRASTRUCTURE, id, "the synthesized infrastructure in " + dir + " has no stack region-" + id));
                continue;
            }
            try {
                rows.add(regionStack(id, region.cloudRegion(), JSON.readTree(stack.toFile()), federation, findings));
            } catch (IOException e) {
                rows.add(CheckRow.error(Findings.Check.INFRASTRUCTURE, id, "stack region-" + id + " cannot be read: " + e.getMessage()));
            }
        }
        Path global = stacks.get(GLOBAL);
        if (global == null) {
            rows.add(CheckRow.error(Findings.Check.INFRASTRUCTURE, GLOBAL, "the synthesized infrastructure in " + dir + " has no global stack"));
        } else {
            try {
                rows.add(globalStack(JSON.readTree(global.toFile()), findings));
            } catch (IOException e) {
                rows.add(CheckRow.error(Findings.Check.INFRASTRUCTURE, GLOBAL, "the global stack cannot be read: " + e.getMessage()));
            }
        }
        return rows;
    }

    /** stack name -&gt; its cdk.tf.json, from manifest.json. */
    static Map<String, Path> stacks(Path dir) throws IOException {
        Path manifest = dir.resolve("manifest.json");
        if (!Files.isRegularFile(manifest)) {
            throw new IllegalArgumentException("manifest.json is missing");
        }
        JsonNode m = JSON.readTree(manifest.toFile());
        Map<String, Path> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = m.path("stacks").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String rel = e.getValue().path("synthesizedStackPath").asText("stacks/" + e.getKey() + "/cdk.tf.json");
            Path file = dir.resolve(rel).normalize();
            if (!file.startsWith(dir.normalize())) {
                throw new IllegalArgumentException("manifest.json names a stack outside the directory: " + rel);
            }
            out.put(e.getKey(), file);
        }
        return out;
    }

    static CheckRow regionStack(String region, String cloudRegion, JsonNode stack, List<RegionConfig> federation, Findings findings) {
        Map<String, String> providers = providers(stack);
        long checked = 0;
        int bad = 0;
        Set<String> types = new TreeSet<>();
        for (Resource r : resources(stack)) {
            if (!isDataResource(r)) {
                continue;
            }
            checked++;
            types.add(r.type());
            List<String> problems = new ArrayList<>();
            String alias = alias(r.body());
            String placed = providers.get(alias);
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("stack", "region-" + region);
            evidence.put("resource", r.type() + "." + r.name());
            evidence.put("provider", alias.isEmpty() ? "aws" : "aws." + alias);
            evidence.put("providerRegion", placed);
            evidence.put("expectedRegion", cloudRegion);
            if (placed == null) {
                problems.add("uses provider " + evidence.get("provider") + ", which the stack does not declare");
            } else if (!placed.equals(cloudRegion)) {
                problems.add("is placed in " + placed + ", not " + cloudRegion);
            }
            String tag = tag(r.body(), "meridian:region");
            if (tag != null && !tag.equals(region)) {
                problems.add("is tagged meridian:region=" + tag);
            }
            for (RegionConfig other : federation) {
                String o = other.id().value();
                if (!o.equals(region) && mentions(r, o)) {
                    problems.add("names region " + o);
                }
            }
            if (!problems.isEmpty()) {
                bad++;
                evidence.put("problems", problems);
                findings.add(Findings.Check.INFRASTRUCTURE, Findings.VIOLATION, region, "data resource " + r.type() + "." + r.name()
                        + " of stack region-" + region + " " + String.join(" and ", problems), evidence, Controls.INFRASTRUCTURE);
            }
        }
        String summary = bad == 0 ? checked + " data resources " + types + " all on " + cloudRegion + " and all this region's"
                : bad + " of " + checked + " data resources are not placed in " + cloudRegion + " or belong to another region";
        return new CheckRow(Findings.Check.INFRASTRUCTURE, region, bad == 0 ? CheckRow.PASS : CheckRow.FAIL, checked, summary);
    }

    static CheckRow globalStack(JsonNode stack, Findings findings) {
        long checked = 0;
        int bad = 0;
        for (Resource r : resources(stack)) {
            checked++;
            if (!isDataResource(r)) {
                continue;
            }
            bad++;
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("stack", GLOBAL);
            evidence.put("resource", r.type() + "." + r.name());
            evidence.put("provider", alias(r.body()).isEmpty() ? "aws" : "aws." + alias(r.body()));
            findings.add(Findings.Check.INFRASTRUCTURE, Findings.VIOLATION, GLOBAL, "the global stack holds data resource " + r.type() + "."
                    + r.name(), evidence, Controls.INFRASTRUCTURE);
        }
        String summary = bad == 0 ? checked + " resources, none of them a data resource" : bad + " of " + checked + " resources hold data";
        return new CheckRow(Findings.Check.INFRASTRUCTURE, GLOBAL, bad == 0 ? CheckRow.PASS : CheckRow.FAIL, checked, summary);
    }

    record Resource(String type, String name, JsonNode body) {
    }

    static List<Resource> resources(JsonNode stack) {
        List<Resource> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> types = stack.path("resource").fields(); types.hasNext();) {
            Map.Entry<String, JsonNode> t = types.next();
            for (Iterator<Map.Entry<String, JsonNode>> names = t.getValue().fields(); names.hasNext();) {
                Map.Entry<String, JsonNode> n = names.next();
                out.add(new Resource(t.getKey(), n.getKey(), n.getValue()));
            }
        }
        return out;
    }

    static boolean isDataResource(Resource r) {
        if (DATA_TYPES.contains(r.type())) {
            return true;
        }
        if (!COMPUTE_TYPES.contains(r.type())) {
            return false;
        }
        StringBuilder names = new StringBuilder(r.name());
        for (String f : NAME_FIELDS) {
            names.append(' ').append(r.body().path(f).asText(""));
        }
        String role = tag(r.body(), "meridian:role");
        if (role != null) {
            names.append(' ').append(role);
        }
        return DATA_WORKLOAD.matcher(names.toString().toLowerCase(Locale.ROOT)).find();
    }

    /** alias -&gt; AWS region of every {@code aws} provider the stack declares; the default provider's alias is "". */
    static Map<String, String> providers(JsonNode stack) {
        Map<String, String> out = new HashMap<>();
        JsonNode aws = stack.path("provider").path("aws");
        for (JsonNode p : aws.isArray() ? aws : JSON.createArrayNode().add(aws)) {
            if (p.isObject()) {
                out.put(p.path("alias").asText(""), p.path("region").asText(null));
            }
        }
        return out;
    }

    private static String alias(JsonNode body) {
        String p = body.path("provider").asText("");
        return p.startsWith("aws.") ? p.substring(4) : "";
    }

    private static String tag(JsonNode body, String key) {
        for (String field : List.of("tags", "tags_all")) {
            JsonNode v = body.path(field).get(key);
            if (v != null && v.isTextual()) {
                return v.asText();
            }
        }
        // an auto-scaling group's tags are a list of {key, value, ...}
        for (JsonNode t : body.path("tag")) {
            if (key.equals(t.path("key").asText())) {
                return t.path("value").asText();
            }
        }
        return null;
    }

    /** Whether the resource's name or a naming field carries {@code region} as a word (not a cloud region such as us-east-1). */
    private static boolean mentions(Resource r, String region) {
        Pattern word = Pattern.compile("(?<![a-z0-9])" + Pattern.quote(region) + "(?![a-z0-9]|-[0-9])");
        if (word.matcher(r.name()).find()) {
            return true;
        }
        for (String f : NAME_FIELDS) {
            if (word.matcher(r.body().path(f).asText("")).find()) {
                return true;
            }
        }
        return false;
    }
}
