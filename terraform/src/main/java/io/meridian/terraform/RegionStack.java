package io.meridian.terraform;

import static io.meridian.terraform.RegionScope.allow;

import com.hashicorp.cdktf.LocalBackend;
import com.hashicorp.cdktf.LocalBackendConfig;
import com.hashicorp.cdktf.TerraformOutput;
import com.hashicorp.cdktf.TerraformOutputConfig;
import com.hashicorp.cdktf.TerraformStack;
import com.hashicorp.cdktf.providers.aws.data_aws_caller_identity.DataAwsCallerIdentity;
import com.hashicorp.cdktf.providers.aws.kinesis_stream.KinesisStream;
import com.hashicorp.cdktf.providers.aws.kinesis_stream.KinesisStreamStreamModeDetails;
import com.hashicorp.cdktf.providers.aws.provider.AwsProvider;
import com.hashicorp.cdktf.providers.aws.provider.AwsProviderDefaultTags;
import io.meridian.regions.RegionConfig;
import java.util.List;
import software.constructs.Construct;

/**
 * Everything one region runs, in that region only: network, region node fleet and load balancer,
 * Kafka, Cassandra, the raw archive, the aggregate export stream, keys, roles and logs. Every resource
 * and data source names the provider aliased to the region ({@code aws.<region-id>}); the stack has no
 * other provider, so nothing here can be created anywhere else.
 */
public final class RegionStack extends TerraformStack {

    private final RegionConfig region;

    /**
     * Adds the stack {@code region-<id>} to an app.
     *
     * @param scope  the app; not null
     * @param region the region; not null
     * @param sizing instance types and counts; not null
     * @throws IllegalArgumentException when the region's cloud region is not in {@link AwsRegion}'s table
     */
    public RegionStack(Construct scope, RegionConfig region, Sizing sizing) {
        super(scope, stackName(region.id().value()));
        this.region = region;
        String id = region.id().value();
        AwsRegion aws = AwsRegion.of(region.cloudRegion());
        new LocalBackend(this, LocalBackendConfig.builder().path("terraform." + stackName(id) + ".tfstate").build());

        AwsProvider provider = AwsProvider.Builder.create(this, "aws")
                .alias(id)
                .region(aws.code())
                .defaultTags(List.of(AwsProviderDefaultTags.builder()
                        .tags(Tags.of(
                                "meridian:region", id,
                                "meridian:jurisdiction", region.jurisdiction().code(),
                                "meridian:managed-by", "meridian-terraform"))
                        .build()))
                .build();
        var caller = DataAwsCallerIdentity.Builder.create(this, "account").provider(provider).build();
        var scopeOfRegion = new RegionScope(this, provider, region, aws, caller.getAccountId(), sizing);

        var network = new RegionNetwork(scopeOfRegion);
        var key = new RegionKey(scopeOfRegion);
        var logs = new RegionLogs(scopeOfRegion, key);
        var firewall = new RegionFirewall(scopeOfRegion, network);
        var roles = new RegionRoles(scopeOfRegion);
        var archive = new RawArchive(scopeOfRegion, key, roles);
        var kafka = new RegionKafka(scopeOfRegion, network, firewall, key, logs);
        new RegionCassandra(scopeOfRegion, network, firewall, key, roles, logs);
        var node = new RegionNode(scopeOfRegion, network, firewall, key, roles);

        // Aggregates that the egress gate has allowed out. Encrypted with the AWS-managed Kinesis key, not
        // the region key: the gateways that read it must never be able to use the key of the raw data.
        var aggregates = KinesisStream.Builder.create(this, "aggregates")
                .provider(provider)
                .name(aggregateStreamName(id))
                .shardCount(sizing.kinesisShards())
                .streamModeDetails(KinesisStreamStreamModeDetails.builder().streamMode("PROVISIONED").build())
                .retentionPeriod(24)
                .encryptionType("KMS")
                .kmsKeyId("alias/aws/kinesis")
                .build();

        RegionParameters.put(scopeOfRegion, "parameter-kafka-bootstrap", "/kafka/bootstrap-brokers",
                kafka.cluster.getBootstrapBrokersSaslIam(), "MSK bootstrap brokers (SASL/IAM over TLS)");
        RegionParameters.put(scopeOfRegion, "parameter-raw-archive-bucket", "/raw-archive/bucket",
                archive.bucket.getBucket(), "the region's raw archive bucket");
        RegionParameters.put(scopeOfRegion, "parameter-cassandra-datacenter", "/cassandra/datacenter",
                id, "the region's Cassandra data centre");
        RegionParameters.put(scopeOfRegion, "parameter-cassandra-raw-replication", "/cassandra/raw-replication",
                RegionCassandra.rawReplication(id), "CQL replication for keyspaces of raw data: this data centre only");

        RegionRoles.grant(scopeOfRegion, roles.regionNode, "region-node", List.of(
                allow("RawArchiveObjects", List.of("s3:GetObject", "s3:PutObject", "s3:DeleteObject"),
                        List.of(archive.bucket.getArn() + "/*")),
                allow("RawArchiveList", List.of("s3:ListBucket"), List.of(archive.bucket.getArn())),
                allow("RegionKey", List.of("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"),
                        List.of(key.key.getArn())),
                allow("KafkaCluster", List.of("kafka-cluster:Connect", "kafka-cluster:DescribeCluster"),
                        List.of(kafka.cluster.getArn())),
                allow("KafkaTopicsAndGroups", List.of("kafka-cluster:*Topic*", "kafka-cluster:ReadData",
                                "kafka-cluster:WriteData", "kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"),
                        List.of("arn:aws:kafka:" + aws.code() + ":" + scopeOfRegion.accountId() + ":topic/"
                                        + scopeOfRegion.name("kafka") + "/*",
                                "arn:aws:kafka:" + aws.code() + ":" + scopeOfRegion.accountId() + ":group/"
                                        + scopeOfRegion.name("kafka") + "/*")),
                allow("RegionParameters", List.of("ssm:GetParameter", "ssm:GetParametersByPath"),
                        List.of(RegionParameters.arn(scopeOfRegion, ""), RegionParameters.arn(scopeOfRegion, "/*"))),
                allow("WriteLogs", List.of("logs:CreateLogStream", "logs:PutLogEvents"),
                        List.of(logs.regionNode.getArn() + ":*"))));

        output("nlb_dns_name", node.loadBalancer.getDnsName(), "the region node load balancer");
        output("raw_archive_bucket", archive.bucket.getBucket(), "the raw archive; never replicated");
        output("aggregate_stream_arn", aggregates.getArn(), "the Kinesis stream of permitted aggregates");
        output("kms_key_arn", key.key.getArn(), "the region key");
        output("kafka_bootstrap_brokers", kafka.cluster.getBootstrapBrokersSaslIam(), "MSK, SASL/IAM over TLS");
    }

    /** The region this stack describes. */
    public RegionConfig region() {
        return region;
    }

    /** The stack name, and the directory under {@code stacks/}, of a region: {@code region-<id>}. */
    public static String stackName(String regionId) {
        return "region-" + regionId;
    }

    /** The name of a region's Kinesis stream of permitted aggregates. */
    static String aggregateStreamName(String regionId) {
        return "meridian-" + regionId + "-aggregates";
    }

    private void output(String name, String value, String description) {
        new TerraformOutput(this, name, TerraformOutputConfig.builder().value(value).description(description).build());
    }
}
