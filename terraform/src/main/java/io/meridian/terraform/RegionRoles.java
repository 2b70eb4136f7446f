package io.meridian.terraform;

import static io.meridian.terraform.RegionScope.condition;
import static io.meridian.terraform.RegionScope.principals;

import com.hashicorp.cdktf.providers.aws.data_aws_iam_policy_document.DataAwsIamPolicyDocumentStatement;
import com.hashicorp.cdktf.providers.aws.iam_instance_profile.IamInstanceProfile;
import com.hashicorp.cdktf.providers.aws.iam_role.IamRole;
import com.hashicorp.cdktf.providers.aws.iam_role_policy.IamRolePolicy;
import com.hashicorp.cdktf.providers.aws.iam_role_policy_attachment.IamRolePolicyAttachment;
import java.util.List;

/**
 * The region's IAM roles. Only two may touch the raw archive: the region node's and the break-glass
 * role, which an operator of this account assumes with MFA for a one-hour session in an emergency.
 * The Cassandra nodes get a role of their own with no data access.
 */
final class RegionRoles {

    private static final String SSM_CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";

    final IamRole regionNode;
    final IamInstanceProfile regionNodeProfile;
    final IamRole cassandra;
    final IamInstanceProfile cassandraProfile;
    final IamRole breakGlass;

    RegionRoles(RegionScope scope) {
        var ec2Trust = scope.trust("ec2-trust", "ec2.amazonaws.com");
        regionNode = IamRole.Builder.create(scope.stack(), "role-region-node")
                .provider(scope.provider())
                .name(scope.name("region-node"))
                .description("Meridian region node of " + scope.id() + ": the only workload that reads and writes raw data")
                .assumeRolePolicy(ec2Trust.getJson())
                .build();
        regionNodeProfile = profile(scope, regionNode, "region-node");
        cassandra = IamRole.Builder.create(scope.stack(), "role-cassandra")
                .provider(scope.provider())
                .name(scope.name("cassandra"))
                .description("Meridian Cassandra nodes of " + scope.id())
                .assumeRolePolicy(ec2Trust.getJson())
                .build();
        cassandraProfile = profile(scope, cassandra, "cassandra");

        var breakGlassTrust = scope.policy("break-glass-trust", List.of(DataAwsIamPolicyDocumentStatement.builder()
                .effect("Allow")
                .actions(List.of("sts:AssumeRole"))
                .principals(List.of(principals("AWS", "arn:aws:iam::" + scope.accountId() + ":root")))
                .condition(List.of(condition("Bool", "aws:MultiFactorAuthPresent", List.of("true"))))
                .build()));
        breakGlass = IamRole.Builder.create(scope.stack(), "role-break-glass")
                .provider(scope.provider())
                .name(scope.name("break-glass"))
                .description("Meridian " + scope.id() + " emergency access to raw data; MFA, one hour")
                .assumeRolePolicy(breakGlassTrust.getJson())
                .maxSessionDuration(3600)
                .build();

        for (var role : List.of(new Named("region-node", regionNode), new Named("cassandra", cassandra))) {
            IamRolePolicyAttachment.Builder.create(scope.stack(), "ssm-core-" + role.what())
                    .provider(scope.provider())
                    .role(role.role().getName())
                    .policyArn(SSM_CORE)
                    .build();
        }
    }

    /** Attaches an inline policy to a role. */
    static void grant(RegionScope scope, IamRole role, String what, List<DataAwsIamPolicyDocumentStatement> statements) {
        var document = scope.policy("policy-" + what, statements);
        IamRolePolicy.Builder.create(scope.stack(), "role-policy-" + what)
                .provider(scope.provider())
                .name(what)
                .role(role.getName())
                .policy(document.getJson())
                .build();
    }

    private static IamInstanceProfile profile(RegionScope scope, IamRole role, String what) {
        return IamInstanceProfile.Builder.create(scope.stack(), "instance-profile-" + what)
                .provider(scope.provider())
                .name(scope.name(what))
                .role(role.getName())
                .build();
    }

    private record Named(String what, IamRole role) {
    }
}
