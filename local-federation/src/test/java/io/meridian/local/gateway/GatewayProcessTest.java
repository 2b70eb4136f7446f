package io.meridian.local.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.local.process.StateDirectory;
import io.meridian.local.service.Backend;
import io.meridian.local.service.ServiceContext;
import io.meridian.local.service.ServiceRegistry;
import io.meridian.local.service.ServiceStartException;
import io.meridian.regions.RegionConfigs;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How a gateway process is configured from the services of its federation; nothing is started. */
class GatewayProcessTest {

    private final RegionConfigs configs = RegionConfigs.loadDefault();
    private final StateDirectory state = StateDirectory.at(Path.of("target", "gateway-process-test"));

    @Test
    void gatewayProvider_isPerRegion_andStartsAfterTheCatalog() {
        ServiceRegistry registry = ServiceRegistry.load();

        assertTrue(registry.require("gateway").perRegion());
        assertTrue(registry.require("gateway").startRank() > registry.require("catalog").startRank(),
                "the gateway is given the catalog's URL, so it must start after it");
    }

    @Test
    void configuredContext_usesTheRegionsGatewayPort() {
        ServiceContext ctx = ServiceContext.configured(configs, state, Backend.PROCESS, false);
        GatewayProcess g = create(ctx, "af-south");

        assertEquals("gateway-af-south", g.name());
        int port = configs.require("af-south").localPorts().gateway();
        assertEquals(Map.of("api", "http://127.0.0.1:" + port + "/v1", "openapi", "http://127.0.0.1:" + port + "/v1/openapi.json"), g.endpoints());
    }

    @Test
    void settings_pointAtTheReadyServices_andRunningRegionsOnly() {
        ServiceContext ctx = ServiceContext.ephemeral(configs, state, Backend.PROCESS);
        ctx.recordReady("keycloak", Map.of("issuer", "http://127.0.0.1:1111/realms/meridian"));
        ctx.recordReady("catalog", Map.of("api", "http://127.0.0.1:2222/v1"));
        ctx.recordReady("cassandra-eu-central", Map.of("cql", "127.0.0.1:3333", "datacenter", "datacenter1"));
        ctx.recordReady("cassandra-us-east", Map.of("cql", "127.0.0.1:3334", "datacenter", "datacenter1"));
        ctx.recordReady("region-node-eu-central", Map.of("data-api", "http://127.0.0.1:4444/v1"));
        ctx.recordReady("region-node-us-east", Map.of("data-api", "http://127.0.0.1:4445/v1"));
        GatewayProcess eu = create(ctx, "eu-central");
        GatewayProcess us = create(ctx, "us-east");
        int euPort = port(eu);
        int usPort = port(us);

        List<String> args = eu.jvmArguments();
        assertTrue(args.contains("-Dmeridian.gateway.region=eu-central"), args.toString());
        assertTrue(args.contains("-Dmeridian.gateway.port=" + euPort), args.toString());
        assertTrue(args.contains("-Dmeridian.gateway.regionTimeout=PT10S"), args.toString());
        assertTrue(args.contains("-Dmeridian.catalog.url=http://127.0.0.1:2222/v1"), args.toString());
        assertTrue(args.contains("-Dmeridian.keycloak.issuer=http://127.0.0.1:1111/realms/meridian"), args.toString());
        // its own region's Cassandra (the ledger), never another region's
        assertTrue(args.contains("-Dmeridian.cassandra.contactPoints=127.0.0.1:3333"), args.toString());
        assertTrue(args.contains("-Dmeridian.gateway.region.eu-central.dataApi=http://127.0.0.1:4444/v1"), args.toString());
        assertTrue(args.contains("-Dmeridian.gateway.region.us-east.dataApi=http://127.0.0.1:4445/v1"), args.toString());
        // each running region's gateway at the port this federation gives it, known before that gateway starts
        assertTrue(args.contains("-Dmeridian.gateway.region.eu-central.gateway=http://127.0.0.1:" + euPort + "/v1"), args.toString());
        assertTrue(args.contains("-Dmeridian.gateway.region.us-east.gateway=http://127.0.0.1:" + usPort + "/v1"), args.toString());
        assertNotEquals(euPort, usPort);
        // a region that does not run keeps its configured defaults
        assertFalse(args.stream().anyMatch(a -> a.startsWith("-Dmeridian.gateway.region.af-south.")), args.toString());
        // and the fan-out covers exactly the regions that run, so a region file without a node does not make answers partial
        assertTrue(args.contains("-Dmeridian.gateway.regions=eu-central,us-east"), args.toString());
        assertTrue(args.stream().noneMatch(a -> a.contains("dev-secret")), "the secret goes in the environment, never the command line");
        assertEquals(Map.of("MERIDIAN_GATEWAY_CLIENT_SECRET", "gateway-eu-central-dev-secret"), eu.environment());
    }

    @Test
    void withoutTheCatalog_theStartFailsNamingIt() {
        ServiceContext ctx = ServiceContext.ephemeral(configs, state, Backend.PROCESS);
        ctx.recordReady("keycloak", Map.of("issuer", "http://127.0.0.1:1111/realms/meridian"));
        GatewayProcess g = create(ctx, "eu-central");

        ServiceStartException e = assertThrows(ServiceStartException.class, g::jvmArguments);
        assertTrue(e.getMessage().startsWith("gateway-eu-central needs catalog to be ready first"), e.getMessage());
    }

    private GatewayProcess create(ServiceContext ctx, String region) {
        return assertInstanceOf(GatewayProcess.class,
                ServiceRegistry.load().require("gateway").create(ctx, Optional.of(configs.require(region))));
    }

    private static int port(GatewayProcess g) {
        String api = g.endpoints().get("api");
        return Integer.parseInt(api.substring(api.lastIndexOf(':') + 1, api.indexOf("/v1")));
    }
}
