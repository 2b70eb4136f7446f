package io.meridian.terraform;

import com.hashicorp.cdktf.TerraformStack;
import com.hashicorp.cdktf.providers.aws.data_aws_iam_policy_document.DataAwsIamPolicyDocument;
import com.hashicorp.cdktf.providers.aws.data_aws_iam_policy_document.DataAwsIamPolicyDocumentStatement;
import com.hashicorp.cdktf.providers.aws.data_aws_iam_policy_document.DataAwsIamPolicyDocumentStatementCondition;
import com.hashicorp.cdktf.providers.aws.data_aws_iam_policy_document.DataAwsIamPolicyDocumentStatementPrincipals;
import com.hashicorp.cdktf.providers.aws.provider.AwsProvider;
import io.meridian.regions.RegionConfig;
import java.util.List;

/**
 * What every part of a region stack shares: the stack it adds to, the provider aliased to the region
 * (every resource and data source of the stack must name it), the region and the account.
 */
record RegionScope(
        TerraformStack stack, AwsProvider provider, RegionConfig region, AwsRegion aws, String accountId,
        Sizing sizing) {

    /** The region id, for example {@code eu-central}. */
    String id() {
        return region.id().value();
    }

    /** A name for an AWS object of this region: {@code meridian-<region>-<what>}. */
    String name(String what) {
        return "meridian-" + id() + "-" + what;
    }

    /** ARN of an IAM role of this account. */
    String roleArn(String roleName) {
        return "arn:aws:iam::" + accountId + ":role/" + roleName;
    }

    /** An IAM policy document data source, bound to this region's provider. */
    DataAwsIamPolicyDocument policy(String constructId, List<DataAwsIamPolicyDocumentStatement> statements) {
        return DataAwsIamPolicyDocument.Builder.create(stack, constructId)
                .provider(provider)
                .statement(statements)
                .build();
    }

    static DataAwsIamPolicyDocumentStatement allow(String sid, List<String> actions, List<String> resources) {
        return DataAwsIamPolicyDocumentStatement.builder()
                .sid(sid).effect("Allow").actions(actions).resources(resources).build();
    }

    static DataAwsIamPolicyDocumentStatementPrincipals principals(String type, String... identifiers) {
        return DataAwsIamPolicyDocumentStatementPrincipals.builder()
                .type(type).identifiers(List.of(identifiers)).build();
    }

    static DataAwsIamPolicyDocumentStatementCondition condition(String test, String variable, List<String> values) {
        return DataAwsIamPolicyDocumentStatementCondition.builder()
                .test(test).variable(variable).values(values).build();
    }

    /** A trust policy that lets one AWS service assume a role. */
    DataAwsIamPolicyDocument trust(String constructId, String service) {
        return policy(constructId, List.of(DataAwsIamPolicyDocumentStatement.builder()
                .effect("Allow")
                .actions(List.of("sts:AssumeRole"))
                .principals(List.of(principals("Service", service)))
                .build()));
    }
}
