package io.meridian.local.keycloak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.local.process.StateDirectory;
import io.meridian.local.service.ServiceStartException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start with kept data whose realm has changed since Keycloak made its database: Keycloak would skip the import and
 * keep the old realm (a new region's gateway client would be missing), so the start fails at once and says why. Runs
 * {@code prepare()} against a stand-in distribution; no Keycloak is started.
 */
class KeycloakRealmChangeTest {

    @TempDir
    Path dir;
    private Path distribution;
    private StateDirectory state;

    @BeforeEach
    void standInDistribution() throws Exception {
        distribution = Files.createDirectories(dir.resolve("dist"));
        Files.createDirectories(distribution.resolve("bin"));
        Files.writeString(distribution.resolve("bin").resolve("kc.sh"), "#!/bin/sh\n");
        for (String d : List.of("lib", "conf", "providers", "themes")) {
            Files.createDirectories(distribution.resolve(d));
        }
        state = StateDirectory.at(dir.resolve("state"));
    }

    private KeycloakService service(boolean fresh, String... regions) {
        return new KeycloakService(state, new KeycloakSettings(distribution, 18080, List.of(regions), "admin", "pw", fresh));
    }

    /** What Keycloak leaves after its first start: its database. */
    private void keycloakRan(KeycloakService service) throws Exception {
        Files.createDirectories(service.home().resolve("data").resolve("h2"));
        Files.writeString(service.home().resolve("data").resolve("h2").resolve("keycloakdb.mv.db"), "db");
    }

    private Path importFile(KeycloakService service) {
        return service.home().resolve("data").resolve("import").resolve(MeridianRealm.REALM + "-realm.json");
    }

    @Test
    void keptData_withTheSameRealm_starts_andAFreshStartRecordsTheImportedRealm() throws Exception {
        KeycloakService first = service(false, "eu-central", "us-east");
        first.prepare();
        String rendered = MeridianRealm.render(List.of("eu-central", "us-east"));
        assertEquals(rendered, Files.readString(first.home().resolve(KeycloakService.IMPORTED_REALM), StandardCharsets.UTF_8));
        assertEquals(rendered, Files.readString(importFile(first), StandardCharsets.UTF_8));
        keycloakRan(first);

        service(false, "eu-central", "us-east").prepare();
        // the same clients in another order are the same realm
        service(false, "us-east", "eu-central").prepare();
        assertTrue(Files.exists(first.home().resolve("data").resolve("h2").resolve("keycloakdb.mv.db")), "kept data stays");
    }

    @Test
    void keptData_afterARegionWasAdded_failsNamingTheMissingClient_andFreshDataStarts() throws Exception {
        KeycloakService first = service(false, "eu-central", "us-east");
        first.prepare();
        keycloakRan(first);

        ServiceStartException e = assertThrows(ServiceStartException.class, () -> service(false, "eu-central", "us-east", "eu-north").prepare());
        assertTrue(e.getMessage().contains("clients added: gateway-eu-north"), e.getMessage());
        assertTrue(e.getMessage().contains("./meridian up --fresh"), e.getMessage());
        // the kept realm is still the one recorded, so the next kept start fails the same way
        assertEquals(MeridianRealm.render(List.of("eu-central", "us-east")),
                Files.readString(first.home().resolve(KeycloakService.IMPORTED_REALM), StandardCharsets.UTF_8));

        KeycloakService fresh = service(true, "eu-central", "us-east", "eu-north");
        fresh.prepare();
        assertFalse(Files.exists(fresh.home().resolve("data").resolve("h2")), "fresh data wipes the database");
        assertEquals(MeridianRealm.render(List.of("eu-central", "us-east", "eu-north")),
                Files.readString(fresh.home().resolve(KeycloakService.IMPORTED_REALM), StandardCharsets.UTF_8));
    }

    @Test
    void keptDataFromBeforeTheRecord_isComparedWithTheLastImportFile() throws Exception {
        KeycloakService first = service(false, "eu-central");
        first.prepare();
        keycloakRan(first);
        Files.delete(first.home().resolve(KeycloakService.IMPORTED_REALM));

        service(false, "eu-central").prepare();
        ServiceStartException e = assertThrows(ServiceStartException.class, () -> service(false, "af-south").prepare());
        assertTrue(e.getMessage().contains("clients added: gateway-af-south; clients removed: gateway-eu-central"), e.getMessage());
    }

    @Test
    void anUnreadableRecord_failsNamingTheFile() throws Exception {
        KeycloakService first = service(false, "eu-central");
        first.prepare();
        keycloakRan(first);
        Files.writeString(first.home().resolve(KeycloakService.IMPORTED_REALM), "{not json");
        ServiceStartException e = assertThrows(ServiceStartException.class, () -> service(false, "eu-central").prepare());
        assertTrue(e.getMessage().contains(KeycloakService.IMPORTED_REALM) && e.getMessage().contains("--fresh"), e.getMessage());
    }

    @Test
    void realmChange_namesClientsAddedRemovedChanged_andOtherSettings() throws Exception {
        String a = "{\"realm\":\"meridian\",\"roles\":{\"realm\":[{\"name\":\"r\"}]},\"clients\":[{\"clientId\":\"x\",\"secret\":\"1\"},"
                + "{\"clientId\":\"y\"}]}";
        assertNull(KeycloakService.realmChange(a, a));
        String b = "{\"realm\":\"meridian\",\"roles\":{\"realm\":[{\"name\":\"r\"},{\"name\":\"s\"}]},\"clients\":[{\"clientId\":\"z\"},"
                + "{\"clientId\":\"x\",\"secret\":\"2\"}]}";
        assertEquals("clients added: z; clients removed: y; clients changed: x; roles, users or realm settings changed",
                KeycloakService.realmChange(a, b));
    }
}
