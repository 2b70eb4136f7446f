package io.meridian.terraform;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.hashicorp.cdktf.LocalBackend;
import com.hashicorp.cdktf.LocalBackendConfig;
import com.hashicorp.cdktf.TerraformOutput;
import com.hashicorp.cdktf.TerraformOutputConfig;
import com.hashicorp.cdktf.TerraformStack;
import com.hashicorp.cdktf.providers.aws.data_aws_iam_policy_document.DataAwsIamPolicyDocument;
import com.hashicorp.cdktf.providers.aws.data_aws_iam_policy_document.DataAwsIamPolicyDocumentStatement;
import com.hashicorp.cdktf.providers.aws.data_aws_kinesis_stream.DataAwsKinesisStream;
import com.hashicorp.cdktf.providers.aws.data_aws_lb.DataAwsLb;
import com.hashicorp.cdktf.providers.aws.iam_instance_profile.IamInstanceProfile;
import com.hashicorp.cdktf.providers.aws.iam_role.IamRole;
import com.hashicorp.cdktf.providers.aws.iam_role_policy.IamRolePolicy;
import com.hashicorp.cdktf.providers.aws.provider.AwsProvider;
import com.hashicorp.cdktf.providers.aws.provider.AwsProviderDefaultTags;
import com.hashicorp.cdktf.providers.aws.route53_record.Route53Record;
import com.hashicorp.cdktf.providers.aws.route53_record.Route53RecordAlias;
import com.hashicorp.cdktf.providers.aws.route53_record.Route53RecordLatencyRoutingPolicy;
import com.hashicorp.cdktf.providers.aws.route53_zone.Route53Zone;
import com.hashicorp.cdktf.providers.aws.ssm_parameter.SsmParameter;
import io.meridian.regions.RegionConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.constructs.Construct;

/**
 * What spans the regions: the DNS zone with latency-based {@code bootstrap.} and {@code mqtt.} records
 * that send a device's first contact to its nearest region, the catalog's Cassandra topology, and one
 * IAM role per region for that region's federation gateway.
 *
 * <p>Apply it after the region stacks. It finds each region's load balancer and Kinesis stream with
 * data sources through that region's provider, by tag and by name, instead of cross-stack references,
 * so the stacks share no state and synthesize the same wherever they are written.
 */
public final class GlobalStack extends TerraformStack {

    /** The stack name, and its directory under {@code stacks/}. */
    public static final String NAME = "global";

    /** Route 53 and IAM are global services; their API calls go to this region. */
    static final String HOME_REGION = "us-east-1";

    /** The endpoints that get one latency record per region. */
    static final List<String> LATENCY_ENDPOINTS = List.of("bootstrap", "mqtt");

    /** The keyspace of the global catalog, replicated to every region's data centre. */
    static final String CATALOG_KEYSPACE = "meridian_catalog";

    /**
     * Adds the stack {@code global} to an app.
     *
     * @param scope   the app; not null
     * @param regions every region, in a stable order; not empty
     * @param domain  the DNS zone, for example {@code meridian.example}
     */
    public GlobalStack(Construct scope, List<RegionConfig> regions, String domain) {
        super(scope, NAME);
        new LocalBackend(this, LocalBackendConfig.builder().path("terraform." + NAME + ".tfstate").build());
        AwsProvider home = AwsProvider.Builder.create(this, "aws-global")
                .alias("global")
                .region(HOME_REGION)
                .defaultTags(List.of(AwsProviderDefaultTags.builder()
                        .tags(Tags.of("meridian:managed-by", "meridian-terraform", "meridian:scope", "global"))
                        .build()))
                .build();

        Route53Zone zone = Route53Zone.Builder.create(this, "zone")
                .provider(home)
                .name(domain)
                .comment("Meridian: latency-routed device entry points and region endpoints")
                .build();

        String topology = catalogTopology(regions);
        List<Map<String, String>> datacenters = new ArrayList<>();
        for (RegionConfig region : regions) {
            String id = region.id().value();
            AwsProvider provider = AwsProvider.Builder.create(this, "aws-" + id)
                    .alias(id)
                    .region(region.cloudRegion())
                    .build();
            DataAwsLb nlb = DataAwsLb.Builder.create(this, "nlb-" + id)
                    .provider(provider)
                    .tags(Tags.of("meridian:component", RegionNode.NLB_COMPONENT, "meridian:region", id))
                    .build();
            Route53RecordAlias toNlb = Route53RecordAlias.builder()
                    .name(nlb.getDnsName())
                    .zoneId(nlb.getZoneId())
                    .evaluateTargetHealth(true)
                    .build();
            for (String endpoint : LATENCY_ENDPOINTS) {
                Route53Record.Builder.create(this, "latency-" + endpoint + "-" + id)
                        .provider(home)
                        .zoneId(zone.getZoneId())
                        .name(endpoint + "." + domain)
                        .type("A")
                        .setIdentifier(id)
                        .latencyRoutingPolicy(Route53RecordLatencyRoutingPolicy.builder()
                                .region(region.cloudRegion())
                                .build())
                        .alias(toNlb)
                        .build();
            }
            // The region's own names, which bootstrap hands out, point straight at its load balancer.
            Map<String, String> hosts = new LinkedHashMap<>();
            hosts.put("mqtt", region.endpoints().mqttHost());
            hosts.put("http", region.endpoints().http().getHost());
            for (var host : hosts.entrySet()) {
                if (host.getValue() != null && host.getValue().endsWith("." + domain)) {
                    Route53Record.Builder.create(this, "region-" + host.getKey() + "-" + id)
                            .provider(home)
                            .zoneId(zone.getZoneId())
                            .name(host.getValue())
                            .type("A")
                            .alias(toNlb)
                            .build();
                }
            }

            gatewayRole(home, provider, id);

            SsmParameter.Builder.create(this, "catalog-topology-" + id)
                    .provider(provider)
                    .name("/meridian/catalog/cassandra-topology")
                    .type("String")
                    .value(topology)
                    .description("Data centres and replication of the global catalog keyspace")
                    .build();
            Map<String, String> dc = new TreeMap<>();
            dc.put("region", id);
            dc.put("datacenter", id);
            dc.put("cloud_region", region.cloudRegion());
            dc.put("jurisdiction", region.jurisdiction().code());
            datacenters.add(dc);
        }

        new TerraformOutput(this, "zone_name_servers", TerraformOutputConfig.builder()
                .value(zone.getNameServers())
                .description("delegate " + domain + " to these")
                .build());
        new TerraformOutput(this, "catalog_datacenters", TerraformOutputConfig.builder()
                .value(datacenters)
                .description("the catalog's Cassandra data centres, one per region")
                .build());
        new TerraformOutput(this, "catalog_keyspace_cql", TerraformOutputConfig.builder()
                .value(catalogKeyspaceCql(regions))
                .description("the catalog keyspace, replicated to every region's data centre")
                .build());
    }

    /**
     * The gateway of a region may put permitted aggregates on that region's Kinesis stream and nothing
     * else; it is explicitly denied the raw archive and the region key, whatever else it is granted.
     */
    private void gatewayRole(AwsProvider home, AwsProvider region, String id) {
        DataAwsKinesisStream stream = DataAwsKinesisStream.Builder.create(this, "aggregates-" + id)
                .provider(region)
                .name(RegionStack.aggregateStreamName(id))
                .build();
        var trust = DataAwsIamPolicyDocument.Builder.create(this, "gateway-trust-" + id)
                .provider(home)
                .statement(List.of(DataAwsIamPolicyDocumentStatement.builder()
                        .effect("Allow")
                        .actions(List.of("sts:AssumeRole"))
                        .principals(List.of(RegionScope.principals("Service", "ec2.amazonaws.com")))
                        .build()))
                .build();
        IamRole role = IamRole.Builder.create(this, "gateway-role-" + id)
                .provider(home)
                .name("meridian-" + id + "-gateway")
                .description("Meridian federation gateway of " + id + ": permitted aggregates only")
                .assumeRolePolicy(trust.getJson())
                .build();
        var policy = DataAwsIamPolicyDocument.Builder.create(this, "gateway-policy-document-" + id)
                .provider(home)
                .statement(List.of(
                        RegionScope.allow("RegionAggregateStream",
                                List.of("kinesis:PutRecord", "kinesis:PutRecords", "kinesis:DescribeStreamSummary",
                                        "kinesis:ListShards"),
                                List.of(stream.getArn())),
                        DataAwsIamPolicyDocumentStatement.builder()
                                .sid("NeverRawArchive")
                                .effect("Deny")
                                .actions(List.of("s3:*"))
                                .resources(List.of("arn:aws:s3:::meridian-" + id + "-raw-*",
                                        "arn:aws:s3:::meridian-" + id + "-raw-*/*"))
                                .build(),
                        DataAwsIamPolicyDocumentStatement.builder()
                                .sid("NeverRegionKey")
                                .effect("Deny")
                                .actions(List.of("kms:*"))
                                .resources(List.of("*"))
                                .condition(List.of(RegionScope.condition("ForAnyValue:StringEquals",
                                        "kms:ResourceAliases", List.of("alias/meridian-" + id + "-raw"))))
                                .build()))
                .build();
        IamRolePolicy.Builder.create(this, "gateway-policy-" + id)
                .provider(home)
                .name("aggregates-only")
                .role(role.getName())
                .policy(policy.getJson())
                .build();
        IamInstanceProfile.Builder.create(this, "gateway-profile-" + id)
                .provider(home)
                .name("meridian-" + id + "-gateway")
                .role(role.getName())
                .build();
    }

    /** CQL that creates the catalog keyspace across every region's data centre. */
    static String catalogKeyspaceCql(List<RegionConfig> regions) {
        StringBuilder cql = new StringBuilder("CREATE KEYSPACE IF NOT EXISTS " + CATALOG_KEYSPACE
                + " WITH replication = {'class': 'NetworkTopologyStrategy'");
        for (RegionConfig region : regions) {
            cql.append(", '").append(region.id().value()).append("': ").append(RegionCassandra.REPLICATION_FACTOR);
        }
        return cql.append("};").toString();
    }

    private static String catalogTopology(List<RegionConfig> regions) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("keyspace", CATALOG_KEYSPACE);
        doc.put("class", "NetworkTopologyStrategy");
        Map<String, Integer> replication = new TreeMap<>();
        List<Map<String, String>> dcs = new ArrayList<>();
        for (RegionConfig region : regions) {
            replication.put(region.id().value(), RegionCassandra.REPLICATION_FACTOR);
            Map<String, String> dc = new LinkedHashMap<>();
            dc.put("datacenter", region.id().value());
            dc.put("cloudRegion", region.cloudRegion());
            dc.put("jurisdiction", region.jurisdiction().code());
            dcs.add(dc);
        }
        doc.put("replication", replication);
        doc.put("datacenters", dcs);
        try {
            return new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, false)
                    .writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("catalog topology could not be written as JSON", e);
        }
    }
}
