package io.meridian.terraform;

import com.hashicorp.cdktf.providers.aws.msk_cluster.MskCluster;
import com.hashicorp.cdktf.providers.aws.msk_cluster.MskClusterBrokerNodeGroupInfo;
import com.hashicorp.cdktf.providers.aws.msk_cluster.MskClusterBrokerNodeGroupInfoStorageInfo;
import com.hashicorp.cdktf.providers.aws.msk_cluster.MskClusterBrokerNodeGroupInfoStorageInfoEbsStorageInfo;
import com.hashicorp.cdktf.providers.aws.msk_cluster.MskClusterClientAuthentication;
import com.hashicorp.cdktf.providers.aws.msk_cluster.MskClusterClientAuthenticationSasl;
import com.hashicorp.cdktf.providers.aws.msk_cluster.MskClusterConfigurationInfo;
import com.hashicorp.cdktf.providers.aws.msk_cluster.MskClusterEncryptionInfo;
import com.hashicorp.cdktf.providers.aws.msk_cluster.MskClusterEncryptionInfoEncryptionInTransit;
import com.hashicorp.cdktf.providers.aws.msk_cluster.MskClusterLoggingInfo;
import com.hashicorp.cdktf.providers.aws.msk_cluster.MskClusterLoggingInfoBrokerLogs;
import com.hashicorp.cdktf.providers.aws.msk_cluster.MskClusterLoggingInfoBrokerLogsCloudwatchLogs;
import com.hashicorp.cdktf.providers.aws.msk_configuration.MskConfiguration;
import java.util.List;

/**
 * The region's Kafka: an MSK cluster with one broker per availability zone, encrypted at rest with the
 * region key, TLS between clients and brokers and between brokers, and IAM client authentication so
 * only the region node's role can produce and consume. Topics are created on first use, as Hono's
 * per-tenant topics ({@code hono.telemetry.<tenant>}) need.
 */
final class RegionKafka {

    final MskCluster cluster;

    RegionKafka(RegionScope scope, RegionNetwork network, RegionFirewall firewall, RegionKey key, RegionLogs logs) {
        int brokers = network.privateSubnets.size();
        int replication = Math.min(3, brokers);
        String serverProperties = String.join("\n",
                "auto.create.topics.enable=true",
                "default.replication.factor=" + replication,
                "min.insync.replicas=" + Math.max(1, replication - 1),
                "num.partitions=6",
                "unclean.leader.election.enable=false",
                "");
        var configuration = MskConfiguration.Builder.create(scope.stack(), "kafka-configuration")
                .provider(scope.provider())
                .name(scope.name("kafka"))
                .kafkaVersions(List.of(scope.sizing().kafkaVersion()))
                .serverProperties(serverProperties)
                .build();

        cluster = MskCluster.Builder.create(scope.stack(), "kafka")
                .provider(scope.provider())
                .clusterName(scope.name("kafka"))
                .kafkaVersion(scope.sizing().kafkaVersion())
                .numberOfBrokerNodes(brokers)
                .brokerNodeGroupInfo(MskClusterBrokerNodeGroupInfo.builder()
                        .instanceType(scope.sizing().kafkaInstanceType())
                        .clientSubnets(network.privateSubnetIds())
                        .securityGroups(List.of(firewall.kafka.getId()))
                        .storageInfo(MskClusterBrokerNodeGroupInfoStorageInfo.builder()
                                .ebsStorageInfo(MskClusterBrokerNodeGroupInfoStorageInfoEbsStorageInfo.builder()
                                        .volumeSize(scope.sizing().kafkaVolumeGb())
                                        .build())
                                .build())
                        .build())
                .configurationInfo(MskClusterConfigurationInfo.builder()
                        .arn(configuration.getArn())
                        .revision(configuration.getLatestRevision())
                        .build())
                .encryptionInfo(MskClusterEncryptionInfo.builder()
                        .encryptionAtRestKmsKeyArn(key.key.getArn())
                        .encryptionInTransit(MskClusterEncryptionInfoEncryptionInTransit.builder()
                                .clientBroker("TLS")
                                .inCluster(true)
                                .build())
                        .build())
                .clientAuthentication(MskClusterClientAuthentication.builder()
                        .sasl(MskClusterClientAuthenticationSasl.builder().iam(true).build())
                        .unauthenticated(false)
                        .build())
                .loggingInfo(MskClusterLoggingInfo.builder()
                        .brokerLogs(MskClusterLoggingInfoBrokerLogs.builder()
                                .cloudwatchLogs(MskClusterLoggingInfoBrokerLogsCloudwatchLogs.builder()
                                        .enabled(true)
                                        .logGroup(logs.kafka.getName())
                                        .build())
                                .build())
                        .build())
                .tags(Tags.of("Name", scope.name("kafka")))
                .build();
    }
}
