package io.meridian.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.regions.RegionConfig;
import io.meridian.regions.RegionConfigs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Check 6 on small hand-made stacks, one case per kind of misplacement. The real synth is {@link RealInfrastructureTest}. */
class InfrastructureCheckTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final RegionConfigs CONFIGS = RegionConfigs.loadDefault();

    @TempDir
    Path dir;

    /** A region stack for eu-central: one provider in eu-central-1, a bucket, a Cassandra launch template, a key. */
    static ObjectNode regionStack() {
        ObjectNode s = JSON.createObjectNode();
        s.putObject("provider").putArray("aws").addObject().put("alias", "eu-central").put("region", "eu-central-1");
        ObjectNode res = s.putObject("resource");
        res.putObject("aws_s3_bucket").putObject("raw-archive").put("provider", "aws.eu-central").put("bucket", "meridian-eu-central-raw");
        res.putObject("aws_launch_template").putObject("launch-template-cassandra").put("provider", "aws.eu-central");
        res.putObject("aws_kms_key").putObject("kms-key").put("provider", "aws.eu-central").put("description", "keys of eu-central");
        // not a data resource: a security group, and a launch template that runs nothing that stores data
        res.putObject("aws_security_group").putObject("sg").put("provider", "aws.eu-central");
        ((ObjectNode) res.get("aws_launch_template")).putObject("bastion").put("provider", "aws.eu-central");
        return s;
    }

    static ObjectNode globalStack() {
        ObjectNode s = JSON.createObjectNode();
        s.putObject("provider").putArray("aws").addObject().put("alias", "global").put("region", "us-east-1");
        s.putObject("resource").putObject("aws_iam_role").putObject("gateway-role").put("provider", "aws.global");
        return s;
    }

    void write(ObjectNode region, ObjectNode global) throws IOException {
        ObjectNode manifest = JSON.createObjectNode();
        ObjectNode stacks = manifest.putObject("stacks");
        stacks.putObject("region-eu-central").put("synthesizedStackPath", "stacks/region-eu-central/cdk.tf.json");
        stacks.putObject("global").put("synthesizedStackPath", "stacks/global/cdk.tf.json");
        Files.writeString(dir.resolve("manifest.json"), manifest.toString());
        Files.createDirectories(dir.resolve("stacks/region-eu-central"));
        Files.createDirectories(dir.resolve("stacks/global"));
        Files.writeString(dir.resolve("stacks/region-eu-central/cdk.tf.json"), region.toString());
        Files.writeString(dir.resolve("stacks/global/cdk.tf.json"), global.toString());
    }

    List<CheckRow> check(Findings findings) {
        return InfrastructureCheck.run(dir, List.of(CONFIGS.require("eu-central")), CONFIGS.regions(), findings);
    }

    @Test
    void aStackWhoseDataResourcesAllUseTheRegionsProvider_passes() throws Exception {
        write(regionStack(), globalStack());
        Findings findings = new Findings();
        List<CheckRow> rows = check(findings);
        assertEquals(List.of(), findings.numbered());
        assertEquals("PASS", rows.get(0).status(), rows.get(0).summary());
        assertEquals(3, rows.get(0).checked());
        assertEquals("global", rows.get(1).region());
        assertEquals("PASS", rows.get(1).status());
    }

    @Test
    void aBucketOnAnotherRegionsProvider_isAViolation() throws Exception {
        ObjectNode stack = regionStack();
        ((ArrayNode) stack.get("provider").get("aws")).addObject().put("alias", "us-east").put("region", "us-east-1");
        ((ObjectNode) stack.get("resource").get("aws_s3_bucket").get("raw-archive")).put("provider", "aws.us-east");
        write(stack, globalStack());
        Findings findings = new Findings();
        List<CheckRow> rows = check(findings);
        assertEquals("FAIL", rows.get(0).status());
        List<AuditReport.Finding> f = findings.numbered();
        assertEquals(1, f.size());
        assertEquals("aws_s3_bucket.raw-archive", f.get(0).evidence().get("resource"));
        assertEquals("us-east-1", f.get(0).evidence().get("providerRegion"));
        assertEquals("eu-central-1", f.get(0).evidence().get("expectedRegion"));
        assertTrue(f.get(0).control().contains("Art. 44"));
    }

    @Test
    void aDataResourceOnAnUndeclaredProvider_isAViolation() throws Exception {
        ObjectNode stack = regionStack();
        ((ObjectNode) stack.get("resource").get("aws_kms_key").get("kms-key")).remove("provider");
        write(stack, globalStack());
        Findings findings = new Findings();
        check(findings);
        List<AuditReport.Finding> f = findings.numbered();
        assertEquals(1, f.size());
        assertTrue(f.get(0).title().contains("uses provider aws, which the stack does not declare"), f.get(0).title());
    }

    @Test
    void anotherRegionsDataResource_inARegionStack_isAViolation_byNameOrTag() throws Exception {
        ObjectNode stack = regionStack();
        ((ObjectNode) stack.get("resource").get("aws_s3_bucket")).putObject("raw-archive-2").put("provider", "aws.eu-central")
                .put("bucket", "meridian-us-east-raw");
        ((ObjectNode) stack.get("resource")).putObject("aws_cloudwatch_log_group").putObject("logs").put("provider", "aws.eu-central")
                .putObject("tags").put("meridian:region", "af-south");
        write(stack, globalStack());
        Findings findings = new Findings();
        check(findings);
        List<AuditReport.Finding> f = findings.numbered();
        assertEquals(2, f.size(), f.toString());
        assertTrue(f.stream().anyMatch(x -> x.title().contains("names region us-east")));
        assertTrue(f.stream().anyMatch(x -> x.title().contains("tagged meridian:region=af-south")));
    }

    @Test
    void aDataResourceInTheGlobalStack_isAViolation() throws Exception {
        ObjectNode global = globalStack();
        ((ObjectNode) global.get("resource")).putObject("aws_dynamodb_table").putObject("devices").put("provider", "aws.global");
        write(regionStack(), global);
        Findings findings = new Findings();
        List<CheckRow> rows = check(findings);
        assertEquals("FAIL", rows.get(1).status());
        assertEquals("the global stack holds data resource aws_dynamodb_table.devices", findings.numbered().get(0).title());
    }

    @Test
    void aDirectoryWithoutManifest_orWithoutTheRegionsStack_isAnError() throws Exception {
        Findings findings = new Findings();
        List<CheckRow> rows = check(findings);
        assertEquals("ERROR", rows.get(0).status());
        assertTrue(rows.get(0).summary().contains("manifest.json is missing"), rows.get(0).summary());
        write(regionStack(), globalStack());
        RegionConfig usEast = CONFIGS.require("us-east");
        List<CheckRow> missing = InfrastructureCheck.run(dir, List.of(usEast), CONFIGS.regions(), findings);
        assertEquals("ERROR", missing.get(0).status());
        assertTrue(missing.get(0).summary().contains("has no stack region-us-east"));
    }
}
