package io.meridian.terraform;

import static io.meridian.terraform.RegionScope.allow;

import com.hashicorp.cdktf.providers.aws.autoscaling_group.AutoscalingGroup;
import com.hashicorp.cdktf.providers.aws.autoscaling_group.AutoscalingGroupLaunchTemplate;
import com.hashicorp.cdktf.providers.aws.autoscaling_group.AutoscalingGroupTag;
import java.util.List;

/**
 * The region's Cassandra data centre: a fixed-size auto-scaling group of EC2 nodes (three by default,
 * one per zone where there are three), so a failed node is replaced automatically. The data centre is
 * named after the region and its racks after the availability zones; keyspaces holding raw data
 * replicate to this data centre only ({@link #rawReplication}).
 */
final class RegionCassandra {

    /** Replication factor inside the region's data centre. */
    static final int REPLICATION_FACTOR = 3;

    final AutoscalingGroup group;

    RegionCassandra(RegionScope scope, RegionNetwork network, RegionFirewall firewall, RegionKey key,
            RegionRoles roles, RegionLogs logs) {
        var template = LaunchTemplates.create(scope, key, "cassandra", scope.sizing().cassandraInstanceType(),
                roles.cassandraProfile, firewall.cassandra, scope.sizing().cassandraVolumeGb(), userData(scope));
        int nodes = scope.sizing().cassandraNodes();
        group = AutoscalingGroup.Builder.create(scope.stack(), "cassandra")
                .provider(scope.provider())
                .name(scope.name("cassandra"))
                .minSize(nodes)
                .maxSize(nodes)
                .desiredCapacity(nodes)
                .vpcZoneIdentifier(network.privateSubnetIds())
                .healthCheckType("EC2")
                .launchTemplate(AutoscalingGroupLaunchTemplate.builder()
                        .id(template.getId())
                        .version("$Latest")
                        .build())
                .tag(List.of(AutoscalingGroupTag.builder()
                        .key("meridian:component").value("cassandra").propagateAtLaunch(true).build()))
                .build();

        RegionRoles.grant(scope, roles.cassandra, "cassandra", List.of(
                allow("DiscoverPeers", List.of("ec2:DescribeInstances"), List.of("*")),
                allow("RegionParameters", List.of("ssm:GetParameter", "ssm:GetParametersByPath"),
                        List.of(RegionParameters.arn(scope, "/cassandra/*"))),
                allow("WriteLogs", List.of("logs:CreateLogStream", "logs:PutLogEvents"),
                        List.of(logs.cassandra.getArn() + ":*"))));
    }

    /** CQL replication for a keyspace of this region's raw data: this data centre only. */
    static String rawReplication(String regionId) {
        return "{'class': 'NetworkTopologyStrategy', '" + regionId + "': " + REPLICATION_FACTOR + "}";
    }

    private static String userData(RegionScope scope) {
        return String.join("\n",
                "#!/bin/bash",
                "# Meridian Cassandra node of region " + scope.id() + ": data centre " + scope.id()
                        + ", rack = availability zone.",
                "set -euo pipefail",
                "TOKEN=$(curl -sX PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')",
                "AZ=$(curl -sH \"X-aws-ec2-metadata-token: $TOKEN\" http://169.254.169.254/latest/meta-data/placement/availability-zone)",
                "mkfs -t xfs /dev/nvme1n1 || true",
                "mkdir -p /var/lib/cassandra && mount /dev/nvme1n1 /var/lib/cassandra",
                "dnf install -y java-17-amazon-corretto-headless",
                "cat > /etc/yum.repos.d/cassandra.repo <<'REPO'",
                "[cassandra]",
                "name=Apache Cassandra",
                "baseurl=https://redhat.cassandra.apache.org/50x/",
                "gpgcheck=1",
                "gpgkey=https://downloads.apache.org/cassandra/KEYS",
                "REPO",
                "dnf install -y cassandra",
                "printf 'dc=%s\\nrack=%s\\n' '" + scope.id() + "' \"$AZ\" > /etc/cassandra/conf/cassandra-rackdc.properties",
                "SEEDS=$(aws ec2 describe-instances --region " + scope.aws().code()
                        + " --filters Name=tag:meridian:component,Values=cassandra Name=tag:meridian:region,Values="
                        + scope.id() + " Name=instance-state-name,Values=running"
                        + " --query 'Reservations[].Instances[].PrivateIpAddress' --output text | tr '\\t' ',')",
                "sed -i \"s/^cluster_name:.*/cluster_name: 'meridian-" + scope.id() + "'/;"
                        + " s/- seeds:.*/- seeds: \\\"$SEEDS\\\"/;"
                        + " s/^endpoint_snitch:.*/endpoint_snitch: GossipingPropertyFileSnitch/\" /etc/cassandra/conf/cassandra.yaml",
                // Paxos v2 (4.1+): fewer rounds per lightweight transaction than 5.0's default v1; every egress decision is
                // LWTs (region-node README, "decision log"), as in the local federation
                "sed -i '/^#\\? *paxos_variant:/d' /etc/cassandra/conf/cassandra.yaml",
                "echo 'paxos_variant: v2' >> /etc/cassandra/conf/cassandra.yaml",
                "systemctl enable --now cassandra",
                "");
    }
}
