package io.meridian.terraform;

import com.hashicorp.cdktf.providers.aws.ssm_parameter.SsmParameter;

/**
 * The region's configuration in SSM Parameter Store under {@code /meridian/<region>/}, which the region's
 * instances read at boot. Keeping values that Terraform learns only at apply time (such as the Kafka
 * bootstrap brokers) here keeps user data fixed.
 */
final class RegionParameters {

    private RegionParameters() {
    }

    /** The parameter path prefix of a region. */
    static String prefix(String regionId) {
        return "/meridian/" + regionId;
    }

    /** The ARN of a parameter (or a wildcard below it) of this region. */
    static String arn(RegionScope scope, String path) {
        return "arn:aws:ssm:" + scope.aws().code() + ":" + scope.accountId() + ":parameter" + prefix(scope.id()) + path;
    }

    static SsmParameter put(RegionScope scope, String constructId, String path, String value, String description) {
        return SsmParameter.Builder.create(scope.stack(), constructId)
                .provider(scope.provider())
                .name(prefix(scope.id()) + path)
                .type("String")
                .value(value)
                .description(description)
                .build();
    }
}
