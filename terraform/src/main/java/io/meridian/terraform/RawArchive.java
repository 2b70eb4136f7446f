package io.meridian.terraform;

import static io.meridian.terraform.RegionScope.condition;
import static io.meridian.terraform.RegionScope.principals;

import com.hashicorp.cdktf.providers.aws.data_aws_iam_policy_document.DataAwsIamPolicyDocumentStatement;
import com.hashicorp.cdktf.providers.aws.s3_bucket.S3Bucket;
import com.hashicorp.cdktf.providers.aws.s3_bucket_ownership_controls.S3BucketOwnershipControls;
import com.hashicorp.cdktf.providers.aws.s3_bucket_ownership_controls.S3BucketOwnershipControlsRule;
import com.hashicorp.cdktf.providers.aws.s3_bucket_policy.S3BucketPolicy;
import com.hashicorp.cdktf.providers.aws.s3_bucket_public_access_block.S3BucketPublicAccessBlock;
import com.hashicorp.cdktf.providers.aws.s3_bucket_server_side_encryption_configuration.S3BucketServerSideEncryptionConfigurationA;
import com.hashicorp.cdktf.providers.aws.s3_bucket_server_side_encryption_configuration.S3BucketServerSideEncryptionConfigurationRuleA;
import com.hashicorp.cdktf.providers.aws.s3_bucket_server_side_encryption_configuration.S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA;
import com.hashicorp.cdktf.providers.aws.s3_bucket_versioning.S3BucketVersioningA;
import com.hashicorp.cdktf.providers.aws.s3_bucket_versioning.S3BucketVersioningVersioningConfiguration;
import java.util.List;

/**
 * The region's raw archive: an S3 bucket named after the region, encrypted with the region key, closed
 * to the public, and with a policy that keeps it home.
 *
 * <p>The policy denies, to every principal including this account's administrators:
 * <ul>
 *   <li>configuring or performing replication, so no copy can be set up to another region;</li>
 *   <li>reading, writing, listing or deleting objects, unless the caller is the region node's role or
 *       the region's break-glass role;</li>
 *   <li>any request from another account, and any request without TLS.</li>
 * </ul>
 * Bucket management (tags, this policy) stays with IAM, so Terraform can still manage the bucket. There
 * is deliberately no replication configuration.
 */
final class RawArchive {

    /** Object-level actions: everything that reads, writes, lists or deletes archived data. */
    static final List<String> DATA_ACTIONS = List.of(
            "s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*", "s3:RestoreObject", "s3:ListBucket*",
            "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload");

    /** Every action that sets up or performs replication. */
    static final List<String> REPLICATION_ACTIONS = List.of(
            "s3:PutReplicationConfiguration", "s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags",
            "s3:ObjectOwnerOverrideToBucketOwner");

    final S3Bucket bucket;

    RawArchive(RegionScope scope, RegionKey key, RegionRoles roles) {
        var stack = scope.stack();
        var provider = scope.provider();
        bucket = S3Bucket.Builder.create(stack, "raw-archive")
                .provider(provider)
                .bucket(bucketName(scope.id(), scope.accountId()))
                .forceDestroy(false)
                .tags(Tags.of("Name", scope.name("raw-archive"), "meridian:data", "raw"))
                .build();
        S3BucketPublicAccessBlock.Builder.create(stack, "raw-archive-public-access-block")
                .provider(provider)
                .bucket(bucket.getId())
                .blockPublicAcls(true)
                .blockPublicPolicy(true)
                .ignorePublicAcls(true)
                .restrictPublicBuckets(true)
                .build();
        S3BucketOwnershipControls.Builder.create(stack, "raw-archive-ownership")
                .provider(provider)
                .bucket(bucket.getId())
                .rule(S3BucketOwnershipControlsRule.builder().objectOwnership("BucketOwnerEnforced").build())
                .build();
        S3BucketVersioningA.Builder.create(stack, "raw-archive-versioning")
                .provider(provider)
                .bucket(bucket.getId())
                .versioningConfiguration(S3BucketVersioningVersioningConfiguration.builder().status("Enabled").build())
                .build();
        S3BucketServerSideEncryptionConfigurationA.Builder.create(stack, "raw-archive-encryption")
                .provider(provider)
                .bucket(bucket.getId())
                .rule(List.of(S3BucketServerSideEncryptionConfigurationRuleA.builder()
                        .bucketKeyEnabled(true)
                        .applyServerSideEncryptionByDefault(
                                S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA.builder()
                                        .sseAlgorithm("aws:kms")
                                        .kmsMasterKeyId(key.key.getArn())
                                        .build())
                        .build()))
                .build();

        List<String> bucketAndObjects = List.of(bucket.getArn(), bucket.getArn() + "/*");
        var everyone = List.of(principals("*", "*"));
        var policy = scope.policy("raw-archive-policy-document", List.of(
                DataAwsIamPolicyDocumentStatement.builder()
                        .sid("DenyReplication")
                        .effect("Deny")
                        .principals(everyone)
                        .actions(REPLICATION_ACTIONS)
                        .resources(bucketAndObjects)
                        .build(),
                DataAwsIamPolicyDocumentStatement.builder()
                        .sid("DenyDataAccessOutsideRegionRoles")
                        .effect("Deny")
                        .principals(everyone)
                        .actions(DATA_ACTIONS)
                        .resources(bucketAndObjects)
                        .condition(List.of(condition("ArnNotEquals", "aws:PrincipalArn",
                                List.of(roles.regionNode.getArn(), roles.breakGlass.getArn()))))
                        .build(),
                DataAwsIamPolicyDocumentStatement.builder()
                        .sid("DenyOtherAccounts")
                        .effect("Deny")
                        .principals(everyone)
                        .actions(List.of("s3:*"))
                        .resources(bucketAndObjects)
                        .condition(List.of(condition("StringNotEquals", "aws:PrincipalAccount",
                                List.of(scope.accountId()))))
                        .build(),
                DataAwsIamPolicyDocumentStatement.builder()
                        .sid("DenyInsecureTransport")
                        .effect("Deny")
                        .principals(everyone)
                        .actions(List.of("s3:*"))
                        .resources(bucketAndObjects)
                        .condition(List.of(condition("Bool", "aws:SecureTransport", List.of("false"))))
                        .build()));
        S3BucketPolicy.Builder.create(stack, "raw-archive-policy")
                .provider(provider)
                .bucket(bucket.getId())
                .policy(policy.getJson())
                .build();
    }

    /**
     * The raw archive's bucket name: {@code meridian-<region>-raw-<account>}. Bucket names are global,
     * so the account id keeps two deployments apart.
     */
    static String bucketName(String regionId, String accountId) {
        return "meridian-" + regionId + "-raw-" + accountId;
    }
}
