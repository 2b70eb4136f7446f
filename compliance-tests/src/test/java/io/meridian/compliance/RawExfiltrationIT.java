package io.meridian.compliance;

import static io.meridian.compliance.SuiteFederation.JSON;
import static io.meridian.compliance.SuiteFederation.ok;
import static io.meridian.compliance.SuiteFederation.problem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.keycloak.MeridianRealm;
import io.meridian.local.service.Federation;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Raw data (state, telemetry, events, device identities, command responses) of a device in eu-central, tried through
 * every API that could carry it out: the other regions' gateways, the region's data API called directly with a user
 * token, another region's gateway client and another tenant's token, and the catalog. Each attempt is denied at the
 * source, with the status and rule asserted and, where the region decides, its DENY found in the region's own decision
 * log; and no foreign answer carries the device's id, its published value or its marker.
 */
@MeridianServices(cassandra = {"eu-central", "af-south", "us-east"}, kafka = {"eu-central", "af-south", "us-east"}, keycloak = true, s3 = true)
class RawExfiltrationIT {

    private static SuiteFederation suite;

    @BeforeAll
    static void federation(Federation federation, KeycloakService keycloak) throws Exception {
        suite = SuiteFederation.get(federation, keycloak);
    }

    private static String devicePath(String api) {
        return api + "/tenants/lampco/devices/" + suite.bait.deviceId();
    }

    /** Nothing of the bait in a body that went abroad. */
    private static void assertNoBait(HttpResponse<String> r) {
        String body = r.body();
        // the id may come back only where the caller sent it (a problem's instance echoes the path it was asked)
        if (!r.uri().toString().contains(suite.bait.deviceId())) {
            assertFalse(body.contains(suite.bait.deviceId()), "the device id in " + body);
        }
        assertFalse(body.contains(suite.baitMarker), "the bait's marker in " + body);
        assertFalse(body.contains(String.valueOf(suite.baitValue)), "the bait's value in " + body);
        assertFalse(body.contains(suite.bait.password()), "the bait's password in " + body);
    }

    /** The decision the problem names is in the source region's log, a DENY under R1 for that requester and destination. */
    private static void assertLoggedDeny(JsonNode problem, String requester, String destinationRegion) throws Exception {
        JsonNode record = suite.decision("eu-central", problem.get("decisionSequence").asLong());
        assertEquals(problem.get("decisionId").asText(), record.get("decisionId").asText(), record.toString());
        assertEquals("DENY", record.get("outcome").asText(), record.toString());
        assertTrue(record.toString().contains("R1"), "the rule in " + record);
        assertEquals(requester, record.get("requester").asText(), record.toString());
        if (destinationRegion != null) {
            assertEquals(destinationRegion, record.get("destinationRegion").asText(), record.toString());
        }
        assertFalse(record.toString().contains(suite.baitMarker), "a payload value in the decision log: " + record);
    }

    @Test
    void stateTelemetryEventsAndCommandResponses_throughAForeignGateway_are451WithALinkHome_andTheHomeRegionLogsTheDeny() throws Exception {
        String analyst = suite.userToken(MeridianRealm.LAMP_ANALYST);
        // the bait is there: its home gateway serves its telemetry with the marker (from the suite's start: without from, the
        // last hour only, and the suite's other classes may take longer than that)
        HttpResponse<String> home = ok(suite.send("GET", devicePath(suite.gatewayApi("eu-central")) + "/telemetry?limit=10&from=" + suite.seededFrom,
                analyst, null));
        assertTrue(home.body().contains(suite.baitMarker), home.body());

        for (String foreign : List.of("us-east", "af-south")) {
            for (String what : List.of("state", "telemetry", "events")) {
                HttpResponse<String> r = suite.send("GET", devicePath(suite.gatewayApi(foreign)) + "/" + what, analyst, null);
                JsonNode p = problem(r, 451);
                assertEquals("R1", p.get("rule").asText(), r.body());
                assertEquals("eu-central", p.get("homeRegion").asText(), r.body());
                assertEquals("<" + devicePath(suite.gatewayApi("eu-central")) + "/" + what + ">; rel=\"alternate\"",
                        r.headers().firstValue("Link").orElse(null), r.body());
                assertNoBait(r);
                assertLoggedDeny(p, "client:" + MeridianRealm.gatewayClientId(foreign), foreign);
            }
            // a command's response is device data too
            HttpResponse<String> command = suite.send("POST", devicePath(suite.gatewayApi(foreign)) + "/commands",
                    suite.userToken(MeridianRealm.LAMP_ADMIN), "{\"name\": \"getLumen\", \"responseRequired\": true}");
            problem(command, 451);
            assertNoBait(command);
        }
    }

    @Test
    void deviceListsAndIdentities_throughAForeignGateway_giveCountsOnly_andNoDeviceId() throws Exception {
        String analyst = suite.userToken(MeridianRealm.LAMP_ANALYST);
        JsonNode homeList = JSON.readTree(ok(suite.send("GET", suite.gatewayApi("eu-central") + "/tenants/lampco/devices?pageSize=500", analyst, null)).body());
        assertTrue(homeList.at("/devices/items").findValuesAsText("id").contains(suite.bait.deviceId()), homeList.toString());
        long euDevices = homeList.at("/devices/items").size();

        for (String foreign : List.of("us-east", "af-south")) {
            HttpResponse<String> list = ok(suite.send("GET", suite.gatewayApi(foreign) + "/tenants/lampco/devices?pageSize=500", analyst, null));
            JsonNode body = JSON.readTree(list.body());
            for (var d : suite.anonymity) {
                assertFalse(list.body().contains(d.deviceId()), "an eu-central device id through " + foreign + ": " + d.deviceId());
            }
            assertFalse(list.body().contains(suite.bait.deviceId()), list.body());
            JsonNode eu = null;
            for (JsonNode r : body.get("otherRegions")) {
                if (r.get("region").asText().equals("eu-central")) {
                    eu = r;
                }
            }
            assertNotNull(eu, list.body());
            assertEquals(euDevices, eu.get("devices").asLong(), "the count, and only the count: " + eu);
            assertEquals(suite.gatewayApi("eu-central") + "/tenants/lampco/devices", eu.get("link").asText());
            assertFalse(eu.has("items"), eu.toString());

            // one device's document abroad: its home, never its labels
            JsonNode one = JSON.readTree(ok(suite.send("GET", devicePath(suite.gatewayApi(foreign)), analyst, null)).body());
            assertEquals("eu-central", one.get("region").asText(), one.toString());
            assertFalse(one.has("labels"), "device identity stays home: " + one);
        }
    }

    @Test
    void theRegionDataApi_refusesRawToAUserToken_andToAnotherRegionsGateway_loggingEachDeny_andAnotherTenant403() throws Exception {
        String path = devicePath(suite.dataApi("eu-central"));
        // a user token straight to the node: 451, logged under the user
        for (String what : List.of("state", "telemetry", "events")) {
            HttpResponse<String> r = suite.send("GET", path + "/" + what, suite.userToken(MeridianRealm.LAMP_ANALYST), null);
            JsonNode p = problem(r, 451);
            assertEquals("R1", p.get("rule").asText());
            assertNoBait(r);
            JsonNode record = suite.decision("eu-central", p.get("decisionSequence").asLong());
            assertEquals("DENY", record.get("outcome").asText(), record.toString());
            assertTrue(record.get("requester").asText().startsWith("user:"), record.toString());
        }
        // another region's gateway client, for the raw data, the device list and one device's identity
        for (String foreign : List.of("us-east", "af-south")) {
            String client = suite.clientToken(foreign);
            for (String uri : List.of(path + "/state", path + "/telemetry", path + "/events", path,
                    suite.dataApi("eu-central") + "/tenants/lampco/devices?pageSize=100")) {
                HttpResponse<String> r = suite.send("GET", uri, client, null);
                JsonNode p = problem(r, 451);
                assertEquals("R1", p.get("rule").asText(), r.body());
                assertNoBait(r);
                for (var d : suite.anonymity) {
                    assertFalse(r.body().contains(d.deviceId()), r.body());
                }
                assertLoggedDeny(p, "client:" + MeridianRealm.gatewayClientId(foreign), foreign);
            }
            HttpResponse<String> command = suite.send("POST", path + "/commands", client, "{\"name\": \"getLumen\", \"responseRequired\": true}");
            assertLoggedDeny(problem(command, 451), "client:" + MeridianRealm.gatewayClientId(foreign), foreign);
        }
        // a token of another tenant: 403 before anything of lampco is looked at
        for (String what : List.of("/state", "/telemetry", "/events", "")) {
            HttpResponse<String> r = suite.send("GET", path + what, suite.userToken(MeridianRealm.CARE_ADMIN), null);
            assertTrue(problem(r, 403).get("detail").asText().contains("lampco"), r.body());
            assertNoBait(r);
        }
        // and no token at all
        problem(suite.send("GET", path + "/telemetry", null, null), 401);
    }

    @Test
    void theCatalog_neverAnswersWithAPayloadOrACredential() throws Exception {
        String admin = suite.userToken(MeridianRealm.LAMP_ADMIN);
        String gatewayClient = suite.clientToken("us-east");
        for (String token : List.of(admin, gatewayClient)) {
            for (String uri : List.of(suite.catalogApi() + "/tenants/lampco", suite.catalogApi() + "/regions",
                    suite.catalogApi() + "/tenants/lampco/devices/" + suite.bait.deviceId(), suite.catalogApi() + "/tenants/lampco/enrollment-groups")) {
                HttpResponse<String> r = suite.send("GET", uri, token, null);
                assertEquals(200, r.statusCode(), uri + ": " + r.body());
                assertFalse(r.body().contains(suite.baitMarker), r.body());
                assertFalse(r.body().contains(String.valueOf(suite.baitValue)), r.body());
                assertFalse(r.body().contains(suite.bait.password()), r.body());
                assertFalse(r.body().contains("\"password\""), uri + " carries a password field: " + r.body());
                assertFalse(r.body().contains("bootstrap-secret"), uri + ": " + r.body());
            }
        }
        // the device's own entry names its region and nothing it published
        JsonNode device = JSON.readTree(ok(suite.send("GET", suite.catalogApi() + "/tenants/lampco/devices/" + suite.bait.deviceId(), admin, null)).body());
        assertEquals("eu-central", device.get("region").asText(), device.toString());
        // bootstrap with a wrong secret: 401, and no endpoint or credential in the answer
        HttpResponse<String> boot = suite.send("POST", suite.catalogApi() + "/bootstrap", null,
                "{\"tenant\": \"lampco\", \"device-id\": \"" + suite.bait.deviceId() + "\", \"secret\": \"" + "A".repeat(43) + "\"}");
        problem(boot, 401);
        assertFalse(boot.body().contains("mqtt") || boot.body().contains("password"), boot.body());
    }
}
