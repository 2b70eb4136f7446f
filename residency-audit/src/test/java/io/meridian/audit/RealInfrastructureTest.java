package io.meridian.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.regions.RegionConfigs;
import io.meridian.terraform.MeridianInfra;
import io.meridian.terraform.Sizing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Check 6 on the real synthesized infrastructure of the repository's region-configs (terraform's {@link MeridianInfra},
 * which needs node on PATH, as the terraform module's own tests do), and on a copy where the raw-archive bucket of
 * eu-central was moved to us-east's provider.
 */
class RealInfrastructureTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final RegionConfigs CONFIGS = RegionConfigs.loadDefault();
    static Path synthesized;

    @BeforeAll
    static void synth() throws IOException {
        synthesized = Path.of("target", "real-synth").toAbsolutePath();
        deleteTree(synthesized);
        MeridianInfra.synth(CONFIGS, synthesized, Sizing.SMALLEST);
    }

    @Test
    void theRepositorysInfrastructure_placesEveryDataResourceInItsRegion() {
        Findings findings = new Findings();
        List<CheckRow> rows = InfrastructureCheck.run(synthesized, CONFIGS.regions(), CONFIGS.regions(), findings);
        assertEquals(List.of(), findings.numbered());
        assertEquals(CONFIGS.regions().size() + 1, rows.size());
        for (CheckRow row : rows) {
            assertEquals("PASS", row.status(), row.region() + ": " + row.summary());
            // every region stack has its bucket, keys, logs, Kafka and Cassandra/region-node compute; the global stack resources
            assertTrue(row.checked() >= 5, row.region() + " checked only " + row.checked() + ": " + row.summary());
        }
        CheckRow eu = rows.stream().filter(r -> r.region().equals("eu-central")).findFirst().orElseThrow();
        assertTrue(eu.summary().contains("aws_s3_bucket") && eu.summary().contains("aws_launch_template"), eu.summary());
    }

    @Test
    void aBucketMovedToAnotherRegionsProvider_isFound() throws IOException {
        Path copy = synthesized.resolveSibling("real-synth-tampered");
        deleteTree(copy);
        copyTree(synthesized, copy);
        Path eu = copy.resolve("stacks/region-eu-central/cdk.tf.json");
        ObjectNode stack = (ObjectNode) JSON.readTree(eu.toFile());
        ((ArrayNode) stack.get("provider").get("aws")).addObject().put("alias", "us-east").put("region", "us-east-1");
        ((ObjectNode) stack.get("resource").get("aws_s3_bucket").get("raw-archive")).put("provider", "aws.us-east");
        Files.writeString(eu, stack.toString());

        Findings findings = new Findings();
        List<CheckRow> rows = InfrastructureCheck.run(copy, CONFIGS.regions(), CONFIGS.regions(), findings);
        List<AuditReport.Finding> f = findings.numbered();
        assertEquals(1, f.size(), f.toString());
        assertEquals("eu-central", f.get(0).region());
        assertEquals("aws_s3_bucket.raw-archive", f.get(0).evidence().get("resource"));
        assertEquals("us-east-1", f.get(0).evidence().get("providerRegion"));
        assertEquals("FAIL", rows.stream().filter(r -> r.region().equals("eu-central")).findFirst().orElseThrow().status());
        rows.stream().filter(r -> !r.region().equals("eu-central")).forEach(r -> assertEquals("PASS", r.status(), r.region()));
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
