package io.meridian.terraform;

import com.hashicorp.cdktf.providers.aws.cloudwatch_log_group.CloudwatchLogGroup;

/**
 * The region's CloudWatch log groups, under {@code /meridian/<region>/}, encrypted with the region key
 * (logs can carry device ids, which are personal data).
 */
final class RegionLogs {

    final CloudwatchLogGroup regionNode;
    final CloudwatchLogGroup kafka;
    final CloudwatchLogGroup cassandra;

    RegionLogs(RegionScope scope, RegionKey key) {
        regionNode = group(scope, key, "region-node");
        kafka = group(scope, key, "kafka");
        cassandra = group(scope, key, "cassandra");
    }

    /** The prefix every log group of the region shares. */
    static String prefix(RegionScope scope) {
        return "/meridian/" + scope.id() + "/";
    }

    private static CloudwatchLogGroup group(RegionScope scope, RegionKey key, String what) {
        return CloudwatchLogGroup.Builder.create(scope.stack(), "log-group-" + what)
                .provider(scope.provider())
                .name(prefix(scope) + what)
                .retentionInDays(scope.sizing().logRetentionDays())
                .kmsKeyId(key.key.getArn())
                .build();
    }
}
