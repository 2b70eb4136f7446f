package io.meridian.terraform;

import com.hashicorp.cdktf.providers.aws.autoscaling_group.AutoscalingGroup;
import com.hashicorp.cdktf.providers.aws.autoscaling_group.AutoscalingGroupLaunchTemplate;
import com.hashicorp.cdktf.providers.aws.autoscaling_group.AutoscalingGroupTag;
import com.hashicorp.cdktf.providers.aws.autoscaling_policy.AutoscalingPolicy;
import com.hashicorp.cdktf.providers.aws.autoscaling_policy.AutoscalingPolicyTargetTrackingConfiguration;
import com.hashicorp.cdktf.providers.aws.autoscaling_policy.AutoscalingPolicyTargetTrackingConfigurationPredefinedMetricSpecification;
import com.hashicorp.cdktf.providers.aws.autoscaling_schedule.AutoscalingSchedule;
import com.hashicorp.cdktf.providers.aws.lb.Lb;
import com.hashicorp.cdktf.providers.aws.lb_listener.LbListener;
import com.hashicorp.cdktf.providers.aws.lb_listener.LbListenerDefaultAction;
import com.hashicorp.cdktf.providers.aws.lb_target_group.LbTargetGroup;
import com.hashicorp.cdktf.providers.aws.lb_target_group.LbTargetGroupHealthCheck;
import java.util.ArrayList;
import java.util.List;

/**
 * The region node fleet: an auto-scaling group of EC2 instances behind an internet-facing network load
 * balancer that passes MQTT over TLS (8883) and HTTPS (443) through as TCP, so TLS, and with it X.509
 * device authentication, ends at the protocol adapters.
 *
 * <p>Capacity follows the day in the region's own time zone: a scheduled action raises the floor in the
 * morning and lowers it at night, and a target-tracking policy on average CPU scales between the floor
 * and the ceiling.
 */
final class RegionNode {

    /** Tag that marks the region's load balancer, so the global stack can find it by region. */
    static final String NLB_COMPONENT = "region-node-nlb";

    final Lb loadBalancer;
    final AutoscalingGroup group;

    RegionNode(RegionScope scope, RegionNetwork network, RegionFirewall firewall, RegionKey key, RegionRoles roles) {
        var stack = scope.stack();
        var provider = scope.provider();
        var sizing = scope.sizing();

        loadBalancer = Lb.Builder.create(stack, "nlb")
                .provider(provider)
                .loadBalancerType("network")
                .internal(false)
                .subnets(network.publicSubnetIds())
                .enableCrossZoneLoadBalancing(true)
                .tags(Tags.of("Name", scope.name("nlb"), "meridian:component", NLB_COMPONENT,
                        "meridian:region", scope.id()))
                .build();

        List<String> targetGroups = new ArrayList<>();
        for (var listener : List.of(new Port("mqtt", RegionFirewall.MQTT_TLS), new Port("https", RegionFirewall.HTTPS))) {
            var targets = LbTargetGroup.Builder.create(stack, "target-group-" + listener.name())
                    .provider(provider)
                    .port(listener.port())
                    .protocol("TCP")
                    .targetType("instance")
                    .vpcId(network.vpc.getId())
                    .deregistrationDelay("30")
                    .healthCheck(LbTargetGroupHealthCheck.builder()
                            .protocol("TCP")
                            .port("traffic-port")
                            .interval(10)
                            .healthyThreshold(3)
                            .unhealthyThreshold(3)
                            .build())
                    .tags(Tags.of("Name", scope.name(listener.name())))
                    .build();
            targetGroups.add(targets.getArn());
            LbListener.Builder.create(stack, "listener-" + listener.name())
                    .provider(provider)
                    .loadBalancerArn(loadBalancer.getArn())
                    .port(listener.port())
                    .protocol("TCP")
                    .defaultAction(List.of(LbListenerDefaultAction.builder()
                            .type("forward")
                            .targetGroupArn(targets.getArn())
                            .build()))
                    .build();
        }

        var template = LaunchTemplates.create(scope, key, "region-node", sizing.regionNodeInstanceType(),
                roles.regionNodeProfile, firewall.regionNode, 0, userData(scope));
        group = AutoscalingGroup.Builder.create(stack, "region-node")
                .provider(provider)
                .name(scope.name("region-node"))
                .minSize(sizing.regionNodeNightMin())
                .maxSize(sizing.regionNodeMax())
                .vpcZoneIdentifier(network.privateSubnetIds())
                .targetGroupArns(targetGroups)
                .healthCheckType("ELB")
                .healthCheckGracePeriod(180)
                .defaultInstanceWarmup(180)
                .launchTemplate(AutoscalingGroupLaunchTemplate.builder()
                        .id(template.getId())
                        .version("$Latest")
                        .build())
                .tag(List.of(AutoscalingGroupTag.builder()
                        .key("meridian:component").value("region-node").propagateAtLaunch(true).build()))
                .build();

        String timeZone = scope.aws().timeZone().getId();
        AutoscalingSchedule.Builder.create(stack, "scale-up-morning")
                .provider(provider)
                .autoscalingGroupName(group.getName())
                .scheduledActionName("day-capacity")
                .recurrence("0 " + sizing.dayStartHour() + " * * *")
                .timeZone(timeZone)
                .minSize(sizing.regionNodeDayMin())
                .maxSize(sizing.regionNodeMax())
                .desiredCapacity(-1)
                .build();
        AutoscalingSchedule.Builder.create(stack, "scale-down-night")
                .provider(provider)
                .autoscalingGroupName(group.getName())
                .scheduledActionName("night-capacity")
                .recurrence("0 " + sizing.nightStartHour() + " * * *")
                .timeZone(timeZone)
                .minSize(sizing.regionNodeNightMin())
                .maxSize(sizing.regionNodeMax())
                .desiredCapacity(-1)
                .build();
        AutoscalingPolicy.Builder.create(stack, "scale-on-cpu")
                .provider(provider)
                .autoscalingGroupName(group.getName())
                .name(scope.name("cpu-target"))
                .policyType("TargetTrackingScaling")
                .estimatedInstanceWarmup(180)
                .targetTrackingConfiguration(AutoscalingPolicyTargetTrackingConfiguration.builder()
                        .predefinedMetricSpecification(
                                AutoscalingPolicyTargetTrackingConfigurationPredefinedMetricSpecification.builder()
                                        .predefinedMetricType("ASGAverageCPUUtilization")
                                        .build())
                        .targetValue(sizing.cpuTargetPercent())
                        .build())
                .build();
    }

    private record Port(String name, int port) {
    }

    private static String userData(RegionScope scope) {
        String prefix = RegionParameters.prefix(scope.id());
        return String.join("\n",
                "#!/bin/bash",
                "# Meridian region node of region " + scope.id() + ". Reads its settings from SSM under "
                        + prefix + "/ and writes them to /etc/meridian/region.env for the service.",
                "set -euo pipefail",
                "dnf install -y java-17-amazon-corretto-headless",
                "mkdir -p /etc/meridian",
                "echo 'MERIDIAN_REGION=" + scope.id() + "' > /etc/meridian/region.env",
                "aws ssm get-parameters-by-path --region " + scope.aws().code() + " --recursive --path " + prefix
                        + " --query 'Parameters[].[Name,Value]' --output text"
                        + " | while read -r name value; do key=${name#" + prefix + "/};"
                        + " key=$(echo \"$key\" | tr 'a-z/-' 'A-Z__');"
                        + " echo \"MERIDIAN_${key}=${value}\" >> /etc/meridian/region.env; done",
                "systemctl enable --now meridian-region-node || echo 'meridian-region-node unit not installed yet'",
                "");
    }
}
