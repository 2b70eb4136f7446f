package io.meridian.terraform;

import com.hashicorp.cdktf.providers.aws.iam_instance_profile.IamInstanceProfile;
import com.hashicorp.cdktf.providers.aws.launch_template.LaunchTemplate;
import com.hashicorp.cdktf.providers.aws.launch_template.LaunchTemplateBlockDeviceMappings;
import com.hashicorp.cdktf.providers.aws.launch_template.LaunchTemplateBlockDeviceMappingsEbs;
import com.hashicorp.cdktf.providers.aws.launch_template.LaunchTemplateIamInstanceProfile;
import com.hashicorp.cdktf.providers.aws.launch_template.LaunchTemplateMetadataOptions;
import com.hashicorp.cdktf.providers.aws.launch_template.LaunchTemplateTagSpecifications;
import com.hashicorp.cdktf.providers.aws.security_group.SecurityGroup;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Launch templates for the region's EC2 fleets. Instances run the current Amazon Linux 2023 image,
 * resolved by EC2 from AWS's public SSM parameter at launch (no AMI lookup at synth time), require
 * IMDSv2, and have every volume encrypted with the region key. User data is a fixed script, encoded
 * here, so the template is the same on every synth.
 */
final class LaunchTemplates {

    static final String AMAZON_LINUX =
            "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";

    private LaunchTemplates() {
    }

    static LaunchTemplate create(
            RegionScope scope, RegionKey key, String what, String instanceType, IamInstanceProfile profile,
            SecurityGroup group, int dataVolumeGb, String userData) {
        List<LaunchTemplateBlockDeviceMappings> volumes = new ArrayList<>();
        volumes.add(volume(key, "/dev/xvda", 20));
        if (dataVolumeGb > 0) {
            volumes.add(volume(key, "/dev/xvdb", dataVolumeGb));
        }
        var tags = Tags.of("Name", scope.name(what), "meridian:component", what, "meridian:region", scope.id());
        return LaunchTemplate.Builder.create(scope.stack(), "launch-template-" + what)
                .provider(scope.provider())
                .name(scope.name(what))
                .imageId(AMAZON_LINUX)
                .instanceType(instanceType)
                .iamInstanceProfile(LaunchTemplateIamInstanceProfile.builder().arn(profile.getArn()).build())
                .vpcSecurityGroupIds(List.of(group.getId()))
                .metadataOptions(LaunchTemplateMetadataOptions.builder()
                        .httpEndpoint("enabled")
                        .httpTokens("required")
                        .httpPutResponseHopLimit(1)
                        .instanceMetadataTags("enabled")
                        .build())
                .blockDeviceMappings(volumes)
                .tagSpecifications(List.of(
                        LaunchTemplateTagSpecifications.builder().resourceType("instance").tags(tags).build(),
                        LaunchTemplateTagSpecifications.builder().resourceType("volume").tags(tags).build()))
                .userData(Base64.getEncoder().encodeToString(userData.getBytes(StandardCharsets.UTF_8)))
                .updateDefaultVersion(true)
                .build();
    }

    private static LaunchTemplateBlockDeviceMappings volume(RegionKey key, String device, int sizeGb) {
        return LaunchTemplateBlockDeviceMappings.builder()
                .deviceName(device)
                .ebs(LaunchTemplateBlockDeviceMappingsEbs.builder()
                        .volumeType("gp3")
                        .volumeSize(sizeGb)
                        .encrypted("true")
                        .kmsKeyId(key.key.getArn())
                        .deleteOnTermination("true")
                        .build())
                .build();
    }
}
