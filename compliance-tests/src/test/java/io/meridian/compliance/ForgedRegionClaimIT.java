package io.meridian.compliance;

import static io.meridian.compliance.SuiteFederation.JSON;
import static io.meridian.compliance.SuiteFederation.problem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.service.Federation;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tokens that claim {@code region: eu-central} without being eu-central's gateway: signed by a key of another issuer
 * (with that issuer's name, with the realm's name, and under the realm's own key id), and a valid us-east gateway token
 * whose {@code region} claim was edited with its signature kept. Every one is refused with 401 by the region's data API,
 * by each gateway and by the catalog, and nothing of the region's data is in the answer. A control shows the same
 * requests succeed with eu-central's real token, so the 401s come from the signature check.
 */
@MeridianServices(cassandra = {"eu-central", "af-south", "us-east"}, kafka = {"eu-central", "af-south", "us-east"}, keycloak = true, s3 = true)
class ForgedRegionClaimIT {

    private static SuiteFederation suite;

    @BeforeAll
    static void federation(Federation federation, KeycloakService keycloak) throws Exception {
        suite = SuiteFederation.get(federation, keycloak);
    }

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private static JsonNode part(String token, int i) throws Exception {
        return JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[i]));
    }

    /** A JWT with this header and payload, signed RS256 by a key pair made here, which no issuer of the realm knows. */
    private static String signWithForeignKey(ObjectNode header, ObjectNode payload) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair keys = g.generateKeyPair();
        String signingInput = B64.encodeToString(JSON.writeValueAsBytes(header)) + "." + B64.encodeToString(JSON.writeValueAsBytes(payload));
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(keys.getPrivate());
        s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + B64.encodeToString(s.sign());
    }

    /** The requests a stolen eu-central identity would be worth something for, by who answers them. */
    private static Map<String, String> targets() {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("eu-central data API: raw telemetry", suite.dataApi("eu-central") + "/tenants/lampco/devices/" + suite.bait.deviceId() + "/telemetry");
        t.put("eu-central data API: device list", suite.dataApi("eu-central") + "/tenants/lampco/devices");
        t.put("eu-central data API: decision log", suite.dataApi("eu-central") + "/decisions?from=1&limit=5");
        for (String r : SuiteFederation.REGIONS) {
            t.put("gateway " + r + ": audit ledger", suite.gatewayApi(r) + "/audit/ledger");
            t.put("gateway " + r + ": eu-central's decisions", suite.gatewayApi(r) + "/audit/regions/eu-central/decisions");
        }
        t.put("catalog: tenant", suite.catalogApi() + "/tenants/lampco");
        t.put("catalog: device", suite.catalogApi() + "/tenants/lampco/devices/" + suite.bait.deviceId());
        return t;
    }

    private static void assertRefusedEverywhere(String what, String token) throws Exception {
        for (Map.Entry<String, String> t : targets().entrySet()) {
            HttpResponse<String> r = suite.send("GET", t.getValue(), token, null);
            problem(r, 401);
            assertFalse(r.body().contains(suite.baitMarker), what + " at " + t.getKey() + ": " + r.body());
            assertEquals(-1, r.body().indexOf("\"items\""), what + " at " + t.getKey() + ": " + r.body());
        }
    }

    @Test
    void theRealEuCentralGatewayToken_isServed_theControl() throws Exception {
        String real = suite.clientToken("eu-central");
        assertEquals("eu-central", part(real, 1).get("region").asText());
        for (Map.Entry<String, String> t : targets().entrySet()) {
            HttpResponse<String> r = suite.send("GET", t.getValue(), real, null);
            // the gateways' audit routes are for compliance officers; the service token is still authenticated (403, not 401)
            assertNotEquals(401, r.statusCode(), t.getKey() + ": " + r.body());
        }
        HttpResponse<String> raw = suite.send("GET", targets().get("eu-central data API: raw telemetry"), real, null);
        assertEquals(200, raw.statusCode(), raw.body());
    }

    @Test
    void aTokenSignedByAnotherIssuersKey_claimingEuCentral_is401Everywhere() throws Exception {
        String real = suite.clientToken("eu-central");
        ObjectNode payload = (ObjectNode) part(real, 1);
        ObjectNode header = JSON.createObjectNode().put("alg", "RS256").put("typ", "JWT").put("kid", "attacker-key");
        // the attacker's own issuer
        ObjectNode foreign = payload.deepCopy().put("iss", "http://127.0.0.1:1/realms/attacker");
        assertRefusedEverywhere("another issuer's token", signWithForeignKey(header, foreign));
        // the realm's issuer name on the attacker's key
        assertRefusedEverywhere("the realm's name on another key", signWithForeignKey(header, payload.deepCopy()));
        // and under the realm's own key id
        ObjectNode realKid = header.deepCopy().put("kid", part(real, 0).get("kid").asText());
        assertRefusedEverywhere("another key under the realm's key id", signWithForeignKey(realKid, payload.deepCopy()));
    }

    @Test
    void aValidUsEastGatewayToken_withItsRegionClaimEdited_signatureKept_is401Everywhere() throws Exception {
        String us = suite.clientToken("us-east");
        String[] parts = us.split("\\.");
        ObjectNode payload = (ObjectNode) part(us, 1);
        assertEquals("us-east", payload.get("region").asText());
        payload.put("region", "eu-central");
        String edited = parts[0] + "." + B64.encodeToString(JSON.writeValueAsBytes(payload)) + "." + parts[2];
        assertRefusedEverywhere("the edited us-east token", edited);
        // and with the client named eu-central's as well
        payload.put("azp", "gateway-eu-central");
        for (String name : List.of("clientId", "client_id")) {
            if (payload.has(name)) {
                payload.put(name, "gateway-eu-central");
            }
        }
        assertRefusedEverywhere("the edited us-east token naming eu-central's client",
                parts[0] + "." + B64.encodeToString(JSON.writeValueAsBytes(payload)) + "." + parts[2]);
    }
}
