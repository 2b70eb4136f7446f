package io.meridian.local.keycloak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.meridian.policy.model.RegionId;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The local demo realm {@value #REALM}: its names, its documented development secrets, and the rendering of
 * {@value #TEMPLATE_RESOURCE} into the realm JSON that Keycloak imports.
 *
 * <p>The template holds one client whose {@code clientId} is {@value #GATEWAY_TEMPLATE_ID}. Rendering
 * replaces it with one confidential gateway client per region, with {@value #REGION_PLACEHOLDER} replaced
 * by the region id everywhere inside it (client id, secret, the hard-coded {@code region} claim). So adding
 * a region file to {@code region-configs} adds its gateway client on the next fresh start.
 *
 * <p>Every secret and password here is a published development value of a local demo realm. None of them
 * may ever protect anything real.
 */
public final class MeridianRealm {

    /** The realm name. */
    public static final String REALM = "meridian";
    /** The classpath resource of the realm template. */
    public static final String TEMPLATE_RESOURCE = "keycloak/meridian-realm.template.json";
    /** The placeholder the template uses for the region id. */
    public static final String REGION_PLACEHOLDER = "{{region}}";
    /** The client id of the template client that is rendered once per region. */
    public static final String GATEWAY_TEMPLATE_ID = "gateway-" + REGION_PLACEHOLDER;

    /** The audience that every Meridian access token carries. */
    public static final String AUDIENCE = "meridian";
    /** The access-token claim that names a gateway client's region. */
    public static final String REGION_CLAIM = "region";
    /** The access-token claim that names a user's tenant. */
    public static final String TENANT_CLAIM = "tenant";

    public static final String ROLE_CUSTOMER_ADMIN = "customer-admin";
    public static final String ROLE_CUSTOMER_ANALYST = "customer-analyst";
    public static final String ROLE_COMPLIANCE_OFFICER = "compliance-officer";

    /** Confidential client of the global catalog. */
    public static final String CATALOG_CLIENT = "catalog";
    /** Development secret of {@link #CATALOG_CLIENT}. */
    public static final String CATALOG_SECRET = "catalog-dev-secret";
    /** Public browser client of the console (authorization code with PKCE S256). */
    public static final String CONSOLE_CLIENT = "meridian-console";
    /** Public client with the password grant, for the CLI and tests. */
    public static final String CLI_CLIENT = "meridian-cli";

    /**
     * A demo user of the realm.
     *
     * @param username the user name
     * @param password the documented demo password
     * @param tenant   the tenant claim, empty for platform users
     * @param role     the Meridian realm role
     */
    public record DemoUser(String username, String password, String tenant, String role) {
    }

    public static final DemoUser LAMP_ADMIN = new DemoUser("lamp-admin", "lamp-admin-demo", "lampco", ROLE_CUSTOMER_ADMIN);
    public static final DemoUser LAMP_ANALYST = new DemoUser("lamp-analyst", "lamp-analyst-demo", "lampco", ROLE_CUSTOMER_ANALYST);
    public static final DemoUser CARE_ADMIN = new DemoUser("care-admin", "care-admin-demo", "carehome", ROLE_CUSTOMER_ADMIN);
    public static final DemoUser CARE_ANALYST = new DemoUser("care-analyst", "care-analyst-demo", "carehome", ROLE_CUSTOMER_ANALYST);
    public static final DemoUser AUDITOR = new DemoUser("auditor", "auditor-demo", "", ROLE_COMPLIANCE_OFFICER);

    /** Every demo user in the template, in the template's order. */
    public static final List<DemoUser> DEMO_USERS = List.of(LAMP_ADMIN, LAMP_ANALYST, CARE_ADMIN, CARE_ANALYST, AUDITOR);

    private static final ObjectMapper JSON = new ObjectMapper();

    private MeridianRealm() {
    }

    /** The client id of the gateway client of {@code region}, for example {@code gateway-eu-central}. */
    public static String gatewayClientId(String region) {
        return GATEWAY_TEMPLATE_ID.replace(REGION_PLACEHOLDER, requireRegion(region));
    }

    /** The development secret of the gateway client of {@code region}. */
    public static String gatewaySecret(String region) {
        return gatewayClientId(region) + "-dev-secret";
    }

    /**
     * Renders the template with one gateway client per region.
     *
     * @param regions region ids, at least one, each a valid region id; duplicates are rendered once
     * @return the realm JSON, ready for Keycloak's import
     * @throws IllegalArgumentException when {@code regions} is empty or holds an invalid id
     * @throws IllegalStateException    when the template is missing or lacks the gateway template client
     */
    public static String render(Collection<String> regions) {
        Objects.requireNonNull(regions, "regions must not be null");
        if (regions.isEmpty()) {
            throw new IllegalArgumentException("regions must name at least one region, was empty");
        }
        Set<String> ids = new LinkedHashSet<>();
        regions.forEach(r -> ids.add(requireRegion(r)));

        ObjectNode realm = readTemplate();
        ArrayNode clients = (ArrayNode) realm.get("clients");
        ObjectNode template = null;
        ArrayNode rendered = JSON.createArrayNode();
        for (JsonNode client : clients) {
            if (GATEWAY_TEMPLATE_ID.equals(client.path("clientId").asText())) {
                template = (ObjectNode) client;
            } else {
                rendered.add(client);
            }
        }
        if (template == null) {
            throw new IllegalStateException(TEMPLATE_RESOURCE + " must hold a client '" + GATEWAY_TEMPLATE_ID + "', has none");
        }
        for (String region : ids) {
            rendered.add(substitute(template.deepCopy(), region));
        }
        realm.set("clients", rendered);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(realm);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the rendered realm", e);
        }
    }

    private static ObjectNode readTemplate() {
        try (InputStream in = MeridianRealm.class.getClassLoader().getResourceAsStream(TEMPLATE_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("realm template " + TEMPLATE_RESOURCE + " must be on the classpath, is not");
            }
            JsonNode root = JSON.readTree(in);
            if (!root.isObject() || !REALM.equals(root.path("realm").asText()) || !root.path("clients").isArray()) {
                throw new IllegalStateException(TEMPLATE_RESOURCE + " must be realm '" + REALM + "' with a clients array");
            }
            return (ObjectNode) root;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read realm template " + TEMPLATE_RESOURCE, e);
        }
    }

    /** Replaces the placeholder in every string value (not in field names) of the tree. */
    private static JsonNode substitute(JsonNode node, String region) {
        if (node.isTextual()) {
            return TextNode.valueOf(node.asText().replace(REGION_PLACEHOLDER, region));
        }
        if (node.isObject()) {
            ObjectNode object = (ObjectNode) node;
            for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                field.setValue(substitute(field.getValue(), region));
            }
        } else if (node.isArray()) {
            ArrayNode array = (ArrayNode) node;
            for (int i = 0; i < array.size(); i++) {
                array.set(i, substitute(array.get(i), region));
            }
        }
        return node;
    }

    private static String requireRegion(String region) {
        if (region == null) {
            throw new IllegalArgumentException("region id must not be null");
        }
        return RegionId.of(region).value();
    }
}
