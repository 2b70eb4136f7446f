package io.meridian.terraform;

import com.hashicorp.cdktf.providers.aws.security_group.SecurityGroup;
import com.hashicorp.cdktf.providers.aws.vpc_security_group_egress_rule.VpcSecurityGroupEgressRule;
import com.hashicorp.cdktf.providers.aws.vpc_security_group_ingress_rule.VpcSecurityGroupIngressRule;

/**
 * Security groups. Devices reach the region nodes on MQTT over TLS (8883) and HTTPS (443) through the
 * network load balancer, which keeps the client address, so the node group admits those ports from
 * anywhere. Kafka (IAM auth, 9098) and Cassandra (CQL 9042) admit only the region nodes; Cassandra
 * nodes talk to each other on 7000.
 */
final class RegionFirewall {

    static final int MQTT_TLS = 8883;
    static final int HTTPS = 443;
    static final int KAFKA_IAM = 9098;
    static final int CQL = 9042;
    static final int CASSANDRA_INTERNODE = 7000;

    final SecurityGroup regionNode;
    final SecurityGroup kafka;
    final SecurityGroup cassandra;

    RegionFirewall(RegionScope scope, RegionNetwork network) {
        regionNode = group(scope, network, "region-node", "Meridian region node: device traffic from the NLB");
        kafka = group(scope, network, "kafka", "Meridian MSK brokers: region nodes only");
        cassandra = group(scope, network, "cassandra", "Meridian Cassandra: region nodes and peers only");

        fromAnywhere(scope, regionNode, "region-node-mqtt", MQTT_TLS);
        fromAnywhere(scope, regionNode, "region-node-https", HTTPS);
        fromGroup(scope, kafka, regionNode, "kafka-from-region-node", KAFKA_IAM);
        fromGroup(scope, cassandra, regionNode, "cassandra-cql-from-region-node", CQL);
        fromGroup(scope, cassandra, cassandra, "cassandra-internode", CASSANDRA_INTERNODE);
        egress(scope, regionNode, "region-node");
        egress(scope, kafka, "kafka");
        egress(scope, cassandra, "cassandra");
    }

    private static SecurityGroup group(RegionScope scope, RegionNetwork network, String what, String description) {
        return SecurityGroup.Builder.create(scope.stack(), "sg-" + what)
                .provider(scope.provider())
                .name(scope.name(what))
                .description(description)
                .vpcId(network.vpc.getId())
                .tags(Tags.of("Name", scope.name(what)))
                .build();
    }

    private static void egress(RegionScope scope, SecurityGroup group, String what) {
        VpcSecurityGroupEgressRule.Builder.create(scope.stack(), what + "-egress")
                .provider(scope.provider())
                .securityGroupId(group.getId())
                .ipProtocol("-1")
                .cidrIpv4("0.0.0.0/0")
                .description("outbound through the NAT gateway and the S3 endpoint")
                .build();
    }

    private static void fromAnywhere(RegionScope scope, SecurityGroup group, String id, int port) {
        VpcSecurityGroupIngressRule.Builder.create(scope.stack(), id)
                .provider(scope.provider())
                .securityGroupId(group.getId())
                .ipProtocol("tcp")
                .fromPort(port)
                .toPort(port)
                .cidrIpv4("0.0.0.0/0")
                .build();
    }

    private static void fromGroup(RegionScope scope, SecurityGroup group, SecurityGroup source, String id, int port) {
        VpcSecurityGroupIngressRule.Builder.create(scope.stack(), id)
                .provider(scope.provider())
                .securityGroupId(group.getId())
                .ipProtocol("tcp")
                .fromPort(port)
                .toPort(port)
                .referencedSecurityGroupId(source.getId())
                .build();
    }
}
