package io.meridian.terraform;

import static io.meridian.terraform.RegionScope.condition;
import static io.meridian.terraform.RegionScope.principals;

import com.hashicorp.cdktf.providers.aws.data_aws_iam_policy_document.DataAwsIamPolicyDocumentStatement;
import com.hashicorp.cdktf.providers.aws.kms_alias.KmsAlias;
import com.hashicorp.cdktf.providers.aws.kms_key.KmsKey;
import java.util.List;

/**
 * The region's own KMS key. It encrypts the raw archive, the Kafka brokers' disks, the Cassandra
 * volumes and the log groups. It is a single-region key: AWS cannot copy it to another region, so
 * neither can anything it protects be read elsewhere.
 *
 * <p>The key policy delegates to IAM in this account, and lets exactly two services use it on the
 * region's behalf: CloudWatch Logs for the region's own log groups, and the Auto Scaling service-linked
 * role, which launches instances with encrypted volumes.
 */
final class RegionKey {

    final KmsKey key;
    final String aliasName;

    RegionKey(RegionScope scope) {
        String region = scope.aws().code();
        String account = scope.accountId();
        List<String> useActions = List.of(
                "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey");
        var policy = scope.policy("kms-key-policy", List.of(
                DataAwsIamPolicyDocumentStatement.builder()
                        .sid("AccountAdministersThroughIam")
                        .effect("Allow")
                        .actions(List.of("kms:*"))
                        .resources(List.of("*"))
                        .principals(List.of(principals("AWS", "arn:aws:iam::" + account + ":root")))
                        .build(),
                DataAwsIamPolicyDocumentStatement.builder()
                        .sid("RegionLogGroupsOnly")
                        .effect("Allow")
                        .actions(useActions)
                        .resources(List.of("*"))
                        .principals(List.of(principals("Service", "logs." + region + ".amazonaws.com")))
                        .condition(List.of(condition("ArnLike", "kms:EncryptionContext:aws:logs:arn",
                                List.of("arn:aws:logs:" + region + ":" + account + ":log-group:/meridian/"
                                        + scope.id() + "/*"))))
                        .build(),
                DataAwsIamPolicyDocumentStatement.builder()
                        .sid("AutoScalingEncryptedVolumes")
                        .effect("Allow")
                        .actions(useActions)
                        .resources(List.of("*"))
                        .principals(List.of(principals("AWS", autoScalingRole(account))))
                        .build(),
                DataAwsIamPolicyDocumentStatement.builder()
                        .sid("AutoScalingVolumeGrants")
                        .effect("Allow")
                        .actions(List.of("kms:CreateGrant"))
                        .resources(List.of("*"))
                        .principals(List.of(principals("AWS", autoScalingRole(account))))
                        .condition(List.of(condition("Bool", "kms:GrantIsForAWSResource", List.of("true"))))
                        .build()));

        key = KmsKey.Builder.create(scope.stack(), "kms-key")
                .provider(scope.provider())
                .description("Meridian " + scope.id() + ": raw data, brokers, volumes and logs; never leaves "
                        + region)
                .multiRegion(false)
                .enableKeyRotation(true)
                .deletionWindowInDays(30)
                .policy(policy.getJson())
                .tags(Tags.of("Name", scope.name("raw")))
                .build();
        aliasName = "alias/" + scope.name("raw");
        KmsAlias.Builder.create(scope.stack(), "kms-alias")
                .provider(scope.provider())
                .name(aliasName)
                .targetKeyId(key.getKeyId())
                .build();
    }

    private static String autoScalingRole(String account) {
        return "arn:aws:iam::" + account
                + ":role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling";
    }
}
