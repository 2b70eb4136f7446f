package io.meridian.terraform;

import com.hashicorp.cdktf.providers.aws.eip.Eip;
import com.hashicorp.cdktf.providers.aws.internet_gateway.InternetGateway;
import com.hashicorp.cdktf.providers.aws.nat_gateway.NatGateway;
import com.hashicorp.cdktf.providers.aws.route.Route;
import com.hashicorp.cdktf.providers.aws.route_table.RouteTable;
import com.hashicorp.cdktf.providers.aws.route_table_association.RouteTableAssociation;
import com.hashicorp.cdktf.providers.aws.subnet.Subnet;
import com.hashicorp.cdktf.providers.aws.vpc.Vpc;
import com.hashicorp.cdktf.providers.aws.vpc_endpoint.VpcEndpoint;
import java.util.ArrayList;
import java.util.List;

/**
 * The region's VPC: a private subnet per availability zone for every server, a small public subnet per
 * zone for the load balancer and the NAT gateway, one NAT gateway (the cheapest layout; a zone outage
 * takes outbound internet, not the data path), and an S3 gateway endpoint so the raw archive is reached
 * without leaving the VPC.
 *
 * <p>Every region uses the same CIDR. Regions never peer (raw data stays home), and overlapping ranges
 * make an accidental peering impossible.
 */
final class RegionNetwork {

    static final String CIDR = "10.40.0.0/16";

    final Vpc vpc;
    final List<Subnet> privateSubnets = new ArrayList<>();
    final List<Subnet> publicSubnets = new ArrayList<>();

    RegionNetwork(RegionScope scope) {
        var stack = scope.stack();
        var provider = scope.provider();
        vpc = Vpc.Builder.create(stack, "vpc")
                .provider(provider)
                .cidrBlock(CIDR)
                .enableDnsSupport(true)
                .enableDnsHostnames(true)
                .tags(Tags.of("Name", scope.name("vpc")))
                .build();

        List<String> zones = scope.aws().availabilityZones();
        for (int i = 0; i < zones.size(); i++) {
            String zone = zones.get(i);
            String letter = zone.substring(zone.length() - 1);
            privateSubnets.add(Subnet.Builder.create(stack, "subnet-private-" + letter)
                    .provider(provider)
                    .vpcId(vpc.getId())
                    .availabilityZone(zone)
                    .cidrBlock("10.40." + (i * 16) + ".0/20")
                    .tags(Tags.of("Name", scope.name("private-" + letter), "meridian:tier", "private"))
                    .build());
            publicSubnets.add(Subnet.Builder.create(stack, "subnet-public-" + letter)
                    .provider(provider)
                    .vpcId(vpc.getId())
                    .availabilityZone(zone)
                    .cidrBlock("10.40." + (128 + i) + ".0/24")
                    .mapPublicIpOnLaunch(false)
                    .tags(Tags.of("Name", scope.name("public-" + letter), "meridian:tier", "public"))
                    .build());
        }

        InternetGateway igw = InternetGateway.Builder.create(stack, "internet-gateway")
                .provider(provider)
                .vpcId(vpc.getId())
                .tags(Tags.of("Name", scope.name("igw")))
                .build();
        RouteTable publicRoutes = RouteTable.Builder.create(stack, "route-table-public")
                .provider(provider)
                .vpcId(vpc.getId())
                .tags(Tags.of("Name", scope.name("public")))
                .build();
        Route.Builder.create(stack, "route-public-default")
                .provider(provider)
                .routeTableId(publicRoutes.getId())
                .destinationCidrBlock("0.0.0.0/0")
                .gatewayId(igw.getId())
                .build();

        Eip natAddress = Eip.Builder.create(stack, "nat-address")
                .provider(provider)
                .domain("vpc")
                .tags(Tags.of("Name", scope.name("nat")))
                .build();
        NatGateway nat = NatGateway.Builder.create(stack, "nat-gateway")
                .provider(provider)
                .allocationId(natAddress.getId())
                .subnetId(publicSubnets.get(0).getId())
                .tags(Tags.of("Name", scope.name("nat")))
                .dependsOn(List.of(igw))
                .build();
        RouteTable privateRoutes = RouteTable.Builder.create(stack, "route-table-private")
                .provider(provider)
                .vpcId(vpc.getId())
                .tags(Tags.of("Name", scope.name("private")))
                .build();
        Route.Builder.create(stack, "route-private-default")
                .provider(provider)
                .routeTableId(privateRoutes.getId())
                .destinationCidrBlock("0.0.0.0/0")
                .natGatewayId(nat.getId())
                .build();

        for (int i = 0; i < zones.size(); i++) {
            String letter = zones.get(i).substring(zones.get(i).length() - 1);
            RouteTableAssociation.Builder.create(stack, "route-private-" + letter)
                    .provider(provider)
                    .subnetId(privateSubnets.get(i).getId())
                    .routeTableId(privateRoutes.getId())
                    .build();
            RouteTableAssociation.Builder.create(stack, "route-public-" + letter)
                    .provider(provider)
                    .subnetId(publicSubnets.get(i).getId())
                    .routeTableId(publicRoutes.getId())
                    .build();
        }

        VpcEndpoint.Builder.create(stack, "s3-endpoint")
                .provider(provider)
                .vpcId(vpc.getId())
                .serviceName("com.amazonaws." + scope.aws().code() + ".s3")
                .vpcEndpointType("Gateway")
                .routeTableIds(List.of(privateRoutes.getId()))
                .tags(Tags.of("Name", scope.name("s3")))
                .build();
    }

    List<String> privateSubnetIds() {
        return privateSubnets.stream().map(Subnet::getId).toList();
    }

    List<String> publicSubnetIds() {
        return publicSubnets.stream().map(Subnet::getId).toList();
    }
}
