package io.meridian.local.keycloak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MeridianRealmTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void render_givesEachRegionAGatewayClientWithItsRegionClaim() throws Exception {
        JsonNode realm = json.readTree(MeridianRealm.render(List.of("eu-central", "af-south")));

        assertEquals("meridian", realm.path("realm").asText());
        JsonNode eu = client(realm, "gateway-eu-central");
        assertEquals("gateway-eu-central-dev-secret", eu.path("secret").asText());
        assertTrue(eu.path("serviceAccountsEnabled").asBoolean());
        assertFalse(eu.path("publicClient").asBoolean());
        assertEquals("eu-central", mapper(eu, "region").path("config").path("claim.value").asText());
        assertEquals("meridian", mapper(eu, "audience-meridian").path("config").path("included.custom.audience").asText());
        assertEquals("af-south", mapper(client(realm, "gateway-af-south"), "region").path("config").path("claim.value").asText());
    }

    @Test
    void render_leavesNoPlaceholderAndKeepsTheOtherClients() throws Exception {
        String rendered = MeridianRealm.render(List.of("us-east"));

        assertFalse(rendered.contains(MeridianRealm.REGION_PLACEHOLDER), rendered);
        List<String> ids = new ArrayList<>();
        json.readTree(rendered).path("clients").forEach(c -> ids.add(c.path("clientId").asText()));
        assertEquals(List.of("catalog", "meridian-console", "meridian-cli", "gateway-us-east"), ids);
    }

    @Test
    void render_templateHoldsTheDocumentedDemoUsers() throws Exception {
        JsonNode users = json.readTree(MeridianRealm.render(List.of("eu-central"))).path("users");
        List<String> names = new ArrayList<>();
        users.forEach(u -> names.add(u.path("username").asText()));
        assertEquals(MeridianRealm.DEMO_USERS.stream().map(MeridianRealm.DemoUser::username).toList(), names);
        for (MeridianRealm.DemoUser demo : MeridianRealm.DEMO_USERS) {
            JsonNode user = find(users, "username", demo.username());
            assertEquals(demo.password(), user.path("credentials").get(0).path("value").asText(), demo.username());
            assertTrue(user.path("realmRoles").toString().contains("\"" + demo.role() + "\""), demo.username());
            assertEquals(demo.tenant(), user.path("attributes").path("tenant").path(0).asText(""), demo.username());
        }
    }

    @Test
    void render_clientDescriptionsFitKeycloaksColumn() throws Exception {
        // Keycloak stores a client's description in a VARCHAR(255): a longer one stops its realm import at start
        for (JsonNode c : json.readTree(MeridianRealm.render(List.of("eu-central"))).path("clients")) {
            assertTrue(c.path("description").asText("").length() <= 255, c.path("clientId").asText());
        }
    }

    @Test
    void render_rejectsAnInvalidRegionId() {
        assertThrows(IllegalArgumentException.class, () -> MeridianRealm.render(List.of("EU Central")));
        assertThrows(IllegalArgumentException.class, () -> MeridianRealm.render(List.of()));
    }

    @Test
    void gatewayNames_followTheTemplate() {
        assertEquals("gateway-uk-south", MeridianRealm.gatewayClientId("uk-south"));
        assertEquals("gateway-uk-south-dev-secret", MeridianRealm.gatewaySecret("uk-south"));
    }

    private static JsonNode client(JsonNode realm, String clientId) {
        return find(realm.path("clients"), "clientId", clientId);
    }

    private static JsonNode mapper(JsonNode client, String name) {
        return find(client.path("protocolMappers"), "name", name);
    }

    private static JsonNode find(JsonNode array, String field, String value) {
        for (JsonNode n : array) {
            if (value.equals(n.path(field).asText())) {
                return n;
            }
        }
        throw new AssertionError("no element with " + field + "=" + value + " in " + array);
    }
}
