package io.meridian.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.keycloak.MeridianRealm;
import io.meridian.local.service.Federation;
import io.meridian.local.sim.Simulator;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console (issue 10) in headless Debian Chromium, driven by {@code console/e2e/console.e2e.mjs} (playwright-core)
 * against the suite's federation while its fleet is connected and publishing, after a few cross-border aggregate
 * queries as lampco's analyst (arcs with ledger entries): sign-in through the realm's own login
 * page as lamp-analyst, lamp-admin and auditor; the three regions on the map with devices connected and registered; a
 * raw read through a foreign gateway answered 451 and its DENY arc drawn without a reload; lampco's analyst seeing
 * nothing of carehome (and the API refusing carehome's overview to that token); an audit run by the auditor to a
 * verdict, listed, its report opened. Screenshots go to {@code target/console/}.
 */
@MeridianServices(cassandra = {"eu-central", "af-south", "us-east"}, kafka = {"eu-central", "af-south", "us-east"}, keycloak = true, s3 = true)
class ConsoleIT {

    private static final Path OUT = Path.of("target", "console").toAbsolutePath();
    /** the script's own deadline is 12 minutes; this one only catches a node that does not end */
    private static final Duration SCRIPT_LIMIT = Duration.ofMinutes(14);

    private static SuiteFederation suite;

    @BeforeAll
    static void federation(Federation federation, KeycloakService keycloak) throws Exception {
        suite = SuiteFederation.get(federation, keycloak);
    }

    @Test
    void theConsole_signedInAsEachRole_showsWhatThatRoleMaySee_live() throws Exception {
        Path consoleDir = Path.of(System.getProperty("meridian.console.dir", "../console")).toAbsolutePath().normalize();
        Path script = consoleDir.resolve("e2e/console.e2e.mjs");
        assertTrue(Files.isRegularFile(script), "no e2e script at " + script);
        assertTrue(Files.isDirectory(consoleDir.resolve("node_modules/playwright-core")),
                "playwright-core is not installed in " + consoleDir + ": build the console module first (its npm ci)");
        Files.createDirectories(OUT);
        // lampco's analyst asks for aggregates through the us-east and af-south gateways, as customers do: eu-central's
        // releases to them (PARTIAL, the rare group suppressed) are arcs on the map with ledger entries behind them
        for (String via : List.of("us-east", "us-east", "af-south")) {
            SuiteFederation.ok(suite.send("GET", suite.gatewayApi(via) + "/tenants/lampco/aggregates?" + suite.anonQuery("PT1H", "label:model"),
                    suite.userToken(MeridianRealm.LAMP_ANALYST), null));
        }

        // the fleet keeps its MQTT connections for the whole run, so the map's connected counts are the live ones
        Simulator sim = new Simulator(Simulator.Settings.of(URI.create(suite.catalogApi()), suite.keycloak.tokenEndpoint(),
                MeridianRealm.gatewayClientId("eu-central"), MeridianRealm.gatewaySecret("eu-central")));
        Simulator.Run live = sim.publish(suite.fleet, 8, SCRIPT_LIMIT, 8L * SCRIPT_LIMIT.toSeconds(), Simulator.DEFAULT_PAYLOAD);
        try {
            ObjectNode users = SuiteFederation.JSON.createObjectNode();
            for (Map.Entry<String, MeridianRealm.DemoUser> u : Map.of("analyst", MeridianRealm.LAMP_ANALYST, "admin", MeridianRealm.LAMP_ADMIN,
                    "auditor", MeridianRealm.AUDITOR).entrySet()) {
                users.putObject(u.getKey()).put("username", u.getValue().username()).put("password", u.getValue().password());
            }
            String gateway = suite.gatewayApi("eu-central");
            ProcessBuilder pb = new ProcessBuilder("node", script.toString()).directory(consoleDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(OUT.resolve("e2e.log").toFile());
            pb.environment().putAll(Map.of(
                    "CONSOLE_URL", URI.create(gateway).resolve("/console/").toString(),
                    "FOREIGN_API", suite.gatewayApi("us-east"),
                    "HOME_REGION", "eu-central",
                    "FOREIGN_REGION", "us-east",
                    // the bait: a lampco device homed in eu-central
                    "DENY_DEVICE", suite.bait.deviceId(),
                    "CONSOLE_USERS", users.toString(),
                    "TENANT", "lampco",
                    "OTHER_TENANT", "carehome",
                    "REGIONS", String.join(",", SuiteFederation.REGIONS),
                    "OUT_DIR", OUT.toString()));
            Process node = pb.start();
            boolean ended = node.waitFor(SCRIPT_LIMIT.toSeconds(), TimeUnit.SECONDS);
            if (!ended) {
                node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            String output = Files.readString(OUT.resolve("e2e.log"), StandardCharsets.UTF_8);
            System.out.println("console e2e output:\n" + output);
            assertTrue(ended, "the console e2e script did not end within " + SCRIPT_LIMIT + ":\n" + output);
            assertEquals(0, node.exitValue(), "the console e2e script failed:\n" + output);
            for (String shot : List.of("map-auditor.png", "map-lamp-analyst.png", "arc-detail-lamp-analyst.png", "tenant-lamp-analyst.png",
                    "audit-auditor.png")) {
                assertTrue(Files.size(OUT.resolve(shot)) > 10_000, "screenshot " + shot + " is missing or empty");
            }
        } finally {
            live.stop();
            live.await(Duration.ofSeconds(30));
        }
    }
}
