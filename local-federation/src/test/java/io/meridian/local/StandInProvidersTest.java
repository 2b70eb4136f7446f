package io.meridian.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.local.aws.KinesaliteService;
import io.meridian.local.aws.S3MockService;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.process.StateDirectory;
import io.meridian.local.service.Backend;
import io.meridian.local.service.BackingService;
import io.meridian.local.service.ServiceContext;
import io.meridian.local.service.ServiceRegistry;
import io.meridian.local.service.ServiceStartException;
import io.meridian.regions.RegionConfigs;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Keycloak and AWS stand-in providers are found through the registry and wired from region-configs. */
class StandInProvidersTest {

    private final RegionConfigs configs = RegionConfigs.loadDefault();
    private final StateDirectory state = StateDirectory.at(Path.of("target", "providers-test"));

    @Test
    void registry_findsKeycloakS3AndKinesis() {
        ServiceRegistry registry = ServiceRegistry.load();

        assertTrue(registry.kinds().containsAll(List.of("keycloak", "s3", "kinesis")), "kinds were " + registry.kinds());
        assertFalse(registry.require("keycloak").perRegion());
        assertTrue(registry.require("keycloak").startRank() < registry.require("s3").startRank(),
                "keycloak, the slowest, must start first");
    }

    @Test
    void configuredContext_usesThePortsOfLocalServicesAndEveryRegion() {
        ServiceRegistry registry = ServiceRegistry.load();
        ServiceContext ctx = ServiceContext.configured(configs, state, Backend.PROCESS, false);

        KeycloakService keycloak = assertInstanceOf(KeycloakService.class, registry.require("keycloak").create(ctx, Optional.empty()));
        assertEquals(configs.localServices().keycloak(), keycloak.settings().httpPort());
        assertEquals(configs.regions().stream().map(r -> r.id().value()).toList(), keycloak.settings().regions());
        assertFalse(keycloak.settings().freshData());
        assertEquals("http://127.0.0.1:" + configs.localServices().keycloak() + "/realms/meridian", keycloak.endpoints().get("issuer"));

        S3MockService s3 = assertInstanceOf(S3MockService.class, registry.require("s3").create(ctx, Optional.empty()));
        assertEquals(configs.localServices().s3(), s3.settings().httpPort());
        KinesaliteService kinesis = assertInstanceOf(KinesaliteService.class, registry.require("kinesis").create(ctx, Optional.empty()));
        assertEquals(configs.localServices().kinesis(), kinesis.settings().port());
    }

    @Test
    void forcedContainerBackend_isRefusedLoudly() {
        ServiceContext ctx = ServiceContext.configured(configs, state, Backend.CONTAINER, false);
        String before = System.getProperty(Backend.PROPERTY);
        System.setProperty(Backend.PROPERTY, "container");
        try {
            for (String kind : List.of("keycloak", "s3", "kinesis")) {
                ServiceStartException e = assertThrows(ServiceStartException.class,
                        () -> ServiceRegistry.load().require(kind).create(ctx, Optional.empty()));
                assertTrue(e.getMessage().contains(kind + " runs only as a local process"), e.getMessage());
            }
        } finally {
            if (before == null) {
                System.clearProperty(Backend.PROPERTY);
            } else {
                System.setProperty(Backend.PROPERTY, before);
            }
        }
    }

    @Test
    void automaticContainerBackend_runsProcessOnlyKindsAsProcesses() {
        // Docker answered and nobody forced a backend: Keycloak and the stand-ins must still come up.
        ServiceContext ctx = ServiceContext.configured(configs, state, Backend.CONTAINER, false);
        assertFalse(Backend.forced(), "this test needs " + Backend.PROPERTY + " and " + Backend.ENV + " unset");
        assertInstanceOf(KeycloakService.class, ServiceRegistry.load().require("keycloak").create(ctx, Optional.empty()));
        assertInstanceOf(S3MockService.class, ServiceRegistry.load().require("s3").create(ctx, Optional.empty()));
        assertInstanceOf(KinesaliteService.class, ServiceRegistry.load().require("kinesis").create(ctx, Optional.empty()));
    }

    @Test
    void creatingAService_startsNothing() {
        ServiceContext ctx = ServiceContext.ephemeral(configs, state, Backend.PROCESS);
        BackingService keycloak = ServiceRegistry.load().require("keycloak").create(ctx, Optional.empty());

        assertFalse(keycloak.isReady());
        assertTrue(((KeycloakService) keycloak).processTree().isEmpty());
    }
}
