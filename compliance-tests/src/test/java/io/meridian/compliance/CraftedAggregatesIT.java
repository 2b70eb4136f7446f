package io.meridian.compliance;

import static io.meridian.compliance.SuiteFederation.JSON;
import static io.meridian.compliance.SuiteFederation.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.keycloak.MeridianRealm;
import io.meridian.local.service.Federation;
import io.meridian.local.sim.SimDevice;
import io.meridian.policy.model.Identifiers;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Aggregates crafted to single out devices, asked of eu-central as the us-east gateway (destination US) and through the
 * us-east gateway process as lampco's analyst: a group of 3 devices (below k = 10), a group label whose value is a device
 * id, a group label lampco does not let out, and windows finer than lampco's minimum of an hour. Each offending cell is
 * suppressed at the source under its rule (A4, A9, A8, A5), the decision with those counts is in eu-central's own log,
 * and the answer holds no such cell, no device id and no value of it. A group value that is a plain device id such as
 * {@code lamp-<run>-01}, with no identifier's shape, is suppressed under A9 too: eu-central looks the group values up in
 * its registry before deciding, while an equally large group whose value is no device's id leaves.
 */
@MeridianServices(cassandra = {"eu-central", "af-south", "us-east"}, kafka = {"eu-central", "af-south", "us-east"}, keycloak = true, s3 = true)
class CraftedAggregatesIT {

    private static SuiteFederation suite;

    @BeforeAll
    static void federation(Federation federation, KeycloakService keycloak) throws Exception {
        suite = SuiteFederation.get(federation, keycloak);
    }

    /** eu-central's answer to the us-east gateway's client, checked against the decision eu-central logged for it. */
    private static JsonNode askEuCentral(String query) throws Exception {
        HttpResponse<String> r = ok(suite.send("GET", suite.dataApi("eu-central") + "/tenants/lampco/aggregates?" + query, suite.clientToken("us-east"), null));
        JsonNode body = JSON.readTree(r.body());
        JsonNode d = body.get("decision");
        JsonNode logged = suite.decision("eu-central", d.get("sequence").asLong());
        assertEquals(d.get("id").asText(), logged.get("decisionId").asText(), logged.toString());
        assertEquals(d.get("outcome").asText(), logged.get("outcome").asText(), logged.toString());
        assertEquals(d.get("suppressedCounts"), logged.get("suppressedCounts"), logged.toString());
        assertEquals(d.get("releasedCells").asInt(), logged.get("releasedCells").asInt(), logged.toString());
        assertEquals("US", logged.get("destinationJurisdiction").asText(), logged.toString());
        assertEquals("client:" + MeridianRealm.gatewayClientId("us-east"), logged.get("requester").asText(), logged.toString());
        // no device id of the crafted set in anything that left
        for (SimDevice device : suite.anonymity) {
            assertFalse(r.body().contains(device.deviceId()), "device id " + device.deviceId() + " in " + r.body());
        }
        for (SimDevice device : suite.named) {
            assertFalse(r.body().contains(device.deviceId()), "device id " + device.deviceId() + " in " + r.body());
        }
        return body;
    }

    private static List<String> groupValues(JsonNode cells) {
        List<String> out = new ArrayList<>();
        cells.forEach(c -> out.add(c.at("/group/value").asText()));
        return out;
    }

    @Test
    void aGroupOfThreeDevices_isSuppressedUnderA4_theDecisionIsPartial_andOnlyTheLargeGroupLeaves() throws Exception {
        JsonNode body = askEuCentral(suite.anonQuery("PT1H", "label:model"));
        JsonNode d = body.get("decision");
        assertEquals("PARTIAL", d.get("outcome").asText(), body.toString());
        assertEquals(1, d.get("suppressedCounts").path("A4").asInt(), body.toString());
        assertEquals(1, d.get("releasedCells").asInt(), body.toString());
        assertEquals(List.of("classic"), groupValues(body.get("cells")));
        JsonNode classic = body.get("cells").get(0);
        assertEquals(SuiteFederation.CLASSIC, classic.get("distinctDevices").asInt());
        assertEquals(SuiteFederation.CLASSIC * 2L, classic.get("count").asLong());

        // the same question through the us-east gateway: the merged answer has no rare cell, and eu-central's part says why
        String query = suite.anonQuery("PT1H", "label:model");
        JsonNode merged = JSON.readTree(ok(suite.send("GET", suite.gatewayApi("us-east") + "/tenants/lampco/aggregates?" + query,
                suite.userToken(MeridianRealm.LAMP_ANALYST), null)).body());
        assertFalse(merged.toString().contains("\"rare\""), merged.toString());
        JsonNode euPart = null;
        for (JsonNode part : merged.get("regions")) {
            if (part.get("region").asText().equals("eu-central")) {
                euPart = part;
            }
        }
        assertNotNull(euPart, merged.toString());
        assertEquals("PARTIAL", euPart.at("/decision/outcome").asText(), euPart.toString());
        assertEquals(1, euPart.at("/decision/suppressedCounts/A4").asInt(), euPart.toString());
        assertEquals("PARTIAL", suite.decision("eu-central", euPart.at("/decision/sequence").asLong()).get("outcome").asText());
    }

    @Test
    void aGroupLabelWhoseValueIsADeviceId_isSuppressedUnderTheIdentifierRuleA9_althoughItsGroupIsLargeEnough() throws Exception {
        JsonNode body = askEuCentral(suite.anonQuery("PT1H", "label:batch"));
        JsonNode d = body.get("decision");
        // one cell of 15 devices (k is met), whose label value is the first device's id
        assertEquals(1, d.get("suppressedCounts").path("A9").asInt(), body.toString());
        assertEquals(1, d.get("suppressedCounts").size(), body.toString());
        assertEquals(0, d.get("releasedCells").asInt(), body.toString());
        assertNotEquals("ALLOW", d.get("outcome").asText(), body.toString());
        assertEquals(0, body.get("cells").size(), body.toString());
        assertFalse(body.toString().contains(suite.batchLabel), body.toString());
    }

    @Test
    void aGroupLabelWhoseValueIsAPlainDeviceId_isSuppressedUnderA9ByTheRegistry_whileAnEquallyLargeGroupLeaves() throws Exception {
        // lamp-<run>-01 has no identifier's shape: only eu-central's registry knows it is a device of lampco
        assertFalse(Identifiers.looksLikeIdentifier(suite.namedBatch), suite.namedBatch);
        assertFalse(Identifiers.looksLikeIdentifier(suite.plainBatch), suite.plainBatch);
        for (SimDevice device : suite.named) {
            assertFalse(Identifiers.looksLikeIdentifier(device.deviceId()), device.deviceId());
        }
        JsonNode body = askEuCentral(suite.namedQuery("label:batch"));
        JsonNode d = body.get("decision");
        // two cells of 10 devices each (k is met by both): the one whose value is a device id is suppressed, the other leaves
        assertEquals("PARTIAL", d.get("outcome").asText(), body.toString());
        assertEquals(1, d.get("suppressedCounts").path("A9").asInt(), body.toString());
        assertEquals(1, d.get("suppressedCounts").size(), body.toString());
        assertEquals(1, d.get("releasedCells").asInt(), body.toString());
        assertEquals(List.of(suite.plainBatch), groupValues(body.get("cells")));
        assertEquals(SuiteFederation.NAMED_GROUP, body.get("cells").get(0).get("distinctDevices").asInt(), body.toString());
        assertFalse(body.toString().contains(suite.namedBatch), body.toString());
        for (SimDevice device : suite.named) {
            assertFalse(body.toString().contains(device.deviceId()), "device id " + device.deviceId() + " in " + body);
        }

        // the same question through the us-east gateway as lampco's analyst: eu-central's part says A9 and carries no id
        JsonNode merged = JSON.readTree(ok(suite.send("GET", suite.gatewayApi("us-east") + "/tenants/lampco/aggregates?"
                + suite.namedQuery("label:batch"), suite.userToken(MeridianRealm.LAMP_ANALYST), null)).body());
        assertFalse(merged.toString().contains(suite.namedBatch), merged.toString());
        JsonNode euPart = null;
        for (JsonNode part : merged.get("regions")) {
            if (part.get("region").asText().equals("eu-central")) {
                euPart = part;
            }
        }
        assertNotNull(euPart, merged.toString());
        assertEquals(1, euPart.at("/decision/suppressedCounts/A9").asInt(), euPart.toString());
        JsonNode logged = suite.decision("eu-central", euPart.at("/decision/sequence").asLong());
        assertEquals(1, logged.get("suppressedCounts").path("A9").asInt(), logged.toString());
    }

    @Test
    void aGroupLabelNotOnTheTenantsAllowList_isSuppressedUnderA8() throws Exception {
        JsonNode body = askEuCentral(suite.anonQuery("PT1H", "label:site"));
        JsonNode d = body.get("decision");
        assertEquals(1, d.get("suppressedCounts").path("A8").asInt(), body.toString());
        assertEquals(1, d.get("suppressedCounts").size(), body.toString());
        assertEquals(0, d.get("releasedCells").asInt(), body.toString());
        assertEquals(0, body.get("cells").size(), body.toString());
        assertFalse(body.toString().contains("berlin"), body.toString());
    }

    @Test
    void aWindowFinerThanTheTenantsMinimum_isRefusedUnderTheWindowRuleA5() throws Exception {
        // 15-minute windows merged over the quarter hours in which the crafted devices published: at most 30 minutes, finer
        // than lampco's minimum of an hour. The classic group has its 12 devices (k is met) and fails A5; rare fails A4 first.
        Instant from = quarter(suite.anonPublishedFrom);
        Instant to = quarter(suite.anonPublishedTo).plus(Duration.ofMinutes(15));
        String query = "metric=" + suite.anonMetric + "&resolution=PT15M&group=label:model&merge=true&from=" + from + "&to=" + to;
        JsonNode body = askEuCentral(query);
        JsonNode d = body.get("decision");
        assertEquals(1, d.get("suppressedCounts").path("A5").asInt(), body.toString());
        assertEquals(1, d.get("suppressedCounts").path("A4").asInt(), body.toString());
        assertEquals(0, d.get("releasedCells").asInt(), body.toString());
        assertEquals(0, body.get("cells").size(), body.toString());
        assertNotEquals("ALLOW", d.get("outcome").asText(), body.toString());

        // the same metric in hour windows passes: the refusal was the window's
        JsonNode hourly = askEuCentral(suite.anonQuery("PT1H", "label:model"));
        assertEquals(List.of("classic"), groupValues(hourly.get("cells")));
    }

    private static Instant quarter(Instant t) {
        long step = Duration.ofMinutes(15).toMillis();
        return Instant.ofEpochMilli(Math.floorDiv(t.toEpochMilli(), step) * step);
    }
}
