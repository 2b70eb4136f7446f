package io.meridian.region.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.ColumnDefinition;
import com.datastax.oss.driver.api.core.cql.Row;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.keycloak.MeridianRealm;
import io.meridian.local.service.CassandraService;
import io.meridian.local.service.Federation;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.hono.service.auth.SpringBasedHonoPasswordEncoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The registry over HTTP against a real Cassandra per region and the real Keycloak realm: two registries,
 * eu-central and af-south, each on its own cluster.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@MeridianServices(cassandra = {"eu-central", "af-south"}, keycloak = true)
class DeviceRegistryIT {

    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final String LAMPCO = MeridianRealm.LAMP_ADMIN.tenant();

    private final RegistryClient client = new RegistryClient();
    private Vertx vertx;
    private KeycloakService keycloak;
    private CassandraService euCassandra;
    private CassandraService afCassandra;
    private DeviceRegistry eu;
    private DeviceRegistry af;
    private String catalog;
    private String lampAdmin;

    @BeforeAll
    void startRegistries(Federation federation, KeycloakService keycloak) throws Exception {
        this.keycloak = keycloak;
        euCassandra = federation.cassandra("eu-central");
        afCassandra = federation.cassandra("af-south");
        vertx = Vertx.vertx();
        eu = await(DeviceRegistry.start(vertx, config("eu-central", euCassandra, keycloak.issuer())));
        af = await(DeviceRegistry.start(vertx, config("af-south", afCassandra, keycloak.issuer())));
        catalog = client.catalogToken(keycloak);
        lampAdmin = client.userToken(keycloak, MeridianRealm.LAMP_ADMIN);
        for (DeviceRegistry r : List.of(eu, af)) {
            HttpResponse<String> created = client.send("POST", uri(r, "/v1/tenants/" + LAMPCO), catalog, "{\"enabled\": true}");
            assertEquals(201, created.statusCode(), created.body());
        }
    }

    @AfterAll
    void stopRegistries() throws Exception {
        List<Future<Void>> stops = new ArrayList<>();
        for (DeviceRegistry r : new DeviceRegistry[] {eu, af}) {
            if (r != null) {
                stops.add(r.stop());
            }
        }
        await(Future.all(stops));
        if (vertx != null) {
            await(vertx.close());
        }
    }

    private static RegistryConfig config(String region, CassandraService cassandra, URI issuer) {
        return RegistryConfig.local(region, "127.0.0.1", 0, cassandra.cqlAddress(), cassandra.localDatacenter(), issuer)
                .withBcryptCost(4);
    }

    // ---- tenants

    @Test
    void tenantCrud_withTrustedCa_andETags() throws Exception {
        String tenant = "t-" + UUID.randomUUID();
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        // Vert.x 4's Jackson codec (which Hono's endpoints use) reads byte arrays as base64url
        String publicKey = Base64.getUrlEncoder().withoutPadding().encodeToString(rsa.generateKeyPair().getPublic().getEncoded());
        JsonObject body = new JsonObject().put("enabled", true).put("trusted-ca", new JsonArray().add(new JsonObject()
                .put("subject-dn", "CN=Lamp Devices CA,O=LampCo").put("public-key", publicKey).put("algorithm", "RSA")
                .put("not-before", "2026-01-01T00:00:00Z").put("not-after", "2036-01-01T00:00:00Z")));

        HttpResponse<String> created = client.send("POST", uri(eu, "/v1/tenants/" + tenant), catalog, body.encode());
        assertEquals(201, created.statusCode(), created.body());
        String etag = created.headers().firstValue("ETag").orElseThrow();

        HttpResponse<String> read = client.send("GET", uri(eu, "/v1/tenants/" + tenant), catalog, null);
        assertEquals(200, read.statusCode(), read.body());
        assertEquals(etag, read.headers().firstValue("ETag").orElseThrow());
        JsonObject ca = new JsonObject(read.body()).getJsonArray("trusted-ca").getJsonObject(0);
        assertEquals("CN=Lamp Devices CA,O=LampCo", ca.getString("subject-dn"));
        assertEquals(publicKey, ca.getString("public-key"));

        HttpResponse<String> duplicate = client.send("POST", uri(eu, "/v1/tenants/" + tenant), catalog, body.encode());
        assertEquals(409, duplicate.statusCode(), duplicate.body());
        assertErrorBody(duplicate);

        HttpResponse<String> updated = client.send("PUT", uri(eu, "/v1/tenants/" + tenant), catalog,
                "{\"enabled\": false}", "If-Match", etag);
        assertEquals(204, updated.statusCode(), updated.body());
        String newEtag = updated.headers().firstValue("ETag").orElseThrow();
        assertNotEquals(etag, newEtag);

        HttpResponse<String> stale = client.send("PUT", uri(eu, "/v1/tenants/" + tenant), catalog, "{\"enabled\": true}", "If-Match", etag);
        assertEquals(412, stale.statusCode(), stale.body());
        assertErrorBody(stale);
        assertFalse(new JsonObject(client.send("GET", uri(eu, "/v1/tenants/" + tenant), catalog, null).body()).getBoolean("enabled"));

        HttpResponse<String> staleDelete = client.send("DELETE", uri(eu, "/v1/tenants/" + tenant), catalog, null, "If-Match", etag);
        assertEquals(412, staleDelete.statusCode(), staleDelete.body());
        HttpResponse<String> deleted = client.send("DELETE", uri(eu, "/v1/tenants/" + tenant), catalog, null, "If-Match", newEtag);
        assertEquals(204, deleted.statusCode(), deleted.body());
        HttpResponse<String> gone = client.send("GET", uri(eu, "/v1/tenants/" + tenant), catalog, null);
        assertEquals(404, gone.statusCode(), gone.body());
        assertErrorBody(gone);
    }

    @Test
    void trustedCaSubjectDn_belongsToOneTenantOnly() throws Exception {
        String first = "ca-a-" + UUID.randomUUID();
        String second = "ca-b-" + UUID.randomUUID();
        String dn = "CN=Shared CA " + UUID.randomUUID() + ",O=Test";
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        String publicKey = Base64.getUrlEncoder().withoutPadding().encodeToString(rsa.generateKeyPair().getPublic().getEncoded());
        String withCa = new JsonObject().put("trusted-ca", new JsonArray().add(new JsonObject().put("subject-dn", dn)
                .put("public-key", publicKey).put("algorithm", "RSA")
                .put("not-before", "2026-01-01T00:00:00Z").put("not-after", "2036-01-01T00:00:00Z"))).encode();

        assertEquals(201, client.send("POST", uri(eu, "/v1/tenants/" + first), catalog, withCa).statusCode());
        HttpResponse<String> taken = client.send("POST", uri(eu, "/v1/tenants/" + second), catalog, withCa);
        assertEquals(409, taken.statusCode(), taken.body());
        assertErrorBody(taken);
        assertEquals(404, client.send("GET", uri(eu, "/v1/tenants/" + second), catalog, null).statusCode(), "the refused tenant was not stored");

        // the first tenant stops trusting the CA: the DN is free again
        assertEquals(204, client.send("PUT", uri(eu, "/v1/tenants/" + first), catalog, "{}").statusCode());
        HttpResponse<String> free = client.send("POST", uri(eu, "/v1/tenants/" + second), catalog, withCa);
        assertEquals(201, free.statusCode(), free.body());
        HttpResponse<String> back = client.send("PUT", uri(eu, "/v1/tenants/" + first), catalog, withCa);
        assertEquals(409, back.statusCode(), back.body());

        // deleting the owner frees it too
        assertEquals(204, client.send("DELETE", uri(eu, "/v1/tenants/" + second), catalog, null).statusCode());
        assertEquals(204, client.send("PUT", uri(eu, "/v1/tenants/" + first), catalog, withCa).statusCode());
    }

    // ---- devices

    @Test
    void deviceCrud_byOwnTenantsAdmin() throws Exception {
        String device = "lamp-" + UUID.randomUUID();
        URI path = uri(eu, "/v1/devices/" + LAMPCO + "/" + device);

        HttpResponse<String> created = client.send("POST", path, lampAdmin, "{\"enabled\": true, \"ext\": {\"model\": \"L1\"}}");
        assertEquals(201, created.statusCode(), created.body());
        assertEquals(device, new JsonObject(created.body()).getString("id"));
        assertTrue(created.headers().firstValue("Location").orElseThrow().endsWith("/v1/devices/" + LAMPCO + "/" + device));
        String etag = created.headers().firstValue("ETag").orElseThrow();

        assertEquals(409, client.send("POST", path, lampAdmin, "{}").statusCode());

        HttpResponse<String> read = client.send("GET", path, lampAdmin, null);
        assertEquals(200, read.statusCode(), read.body());
        assertEquals("L1", new JsonObject(read.body()).getJsonObject("ext").getString("model"));

        HttpResponse<String> updated = client.send("PUT", path, lampAdmin, "{\"enabled\": false, \"ext\": {\"model\": \"L2\"}}", "If-Match", etag);
        assertEquals(204, updated.statusCode(), updated.body());
        HttpResponse<String> stale = client.send("PUT", path, lampAdmin, "{\"enabled\": true}", "If-Match", etag);
        assertEquals(412, stale.statusCode(), stale.body());
        assertErrorBody(stale);
        JsonObject after = new JsonObject(client.send("GET", path, lampAdmin, null).body());
        assertEquals("L2", after.getJsonObject("ext").getString("model"));
        assertFalse(after.getBoolean("enabled"));

        HttpResponse<String> deleted = client.send("DELETE", path, lampAdmin, null);
        assertEquals(204, deleted.statusCode(), deleted.body());
        HttpResponse<String> gone = client.send("GET", path, lampAdmin, null);
        assertEquals(404, gone.statusCode(), gone.body());
        assertErrorBody(gone);
        assertEquals(404, client.send("GET", uri(eu, "/v1/credentials/" + LAMPCO + "/" + device), lampAdmin, null).statusCode());
    }

    @Test
    void concurrentUpdatesWithTheSameETag_exactlyOneWins() throws Exception {
        String device = "lamp-" + UUID.randomUUID();
        URI path = uri(eu, "/v1/devices/" + LAMPCO + "/" + device);
        HttpResponse<String> created = client.send("POST", path, lampAdmin, "{\"enabled\": true}");
        assertEquals(201, created.statusCode(), created.body());
        String etag = created.headers().firstValue("ETag").orElseThrow();

        int writers = 8;
        List<CompletableFuture<HttpResponse<String>>> puts = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            puts.add(client.sendAsync("PUT", path, lampAdmin, "{\"enabled\": true, \"ext\": {\"writer\": " + i + "}}", "If-Match", etag));
        }
        CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        List<Integer> winners = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            HttpResponse<String> r = puts.get(i).join();
            if (r.statusCode() == 204) {
                winners.add(i);
            } else {
                assertEquals(412, r.statusCode(), "writer " + i + ": " + r.body());
                assertErrorBody(r);
            }
        }
        assertEquals(1, winners.size(), "exactly one writer may win, were " + winners);
        JsonObject stored = new JsonObject(client.send("GET", path, lampAdmin, null).body());
        assertEquals(winners.get(0), stored.getJsonObject("ext").getInteger("writer"), "the stored device is the winner's");
    }

    @Test
    void searchDevices_filtersSortsAndPages() throws Exception {
        String tenant = "search-" + UUID.randomUUID();
        assertEquals(201, client.send("POST", uri(eu, "/v1/tenants/" + tenant), catalog, "{}").statusCode());
        String[] colors = {"red", "blue", "red", "red", "blue"};
        for (int i = 0; i < colors.length; i++) {
            HttpResponse<String> r = client.send("POST", uri(eu, "/v1/devices/" + tenant + "/dev-" + i), catalog,
                    new JsonObject().put("enabled", i != 3).put("ext", new JsonObject().put("color", colors[i])).encode());
            assertEquals(201, r.statusCode(), r.body());
        }
        String red = "{\"field\":\"/ext/color\",\"value\":\"red\"}";
        String byIdDesc = "{\"field\":\"/id\",\"direction\":\"desc\"}";

        JsonObject page0 = search(tenant, "pageSize=2&pageOffset=0&filterJson=" + enc(red) + "&sortJson=" + enc(byIdDesc));
        assertEquals(3, page0.getInteger("total"));
        assertEquals(List.of("dev-3", "dev-2"), ids(page0));
        JsonObject page1 = search(tenant, "pageSize=2&pageOffset=1&filterJson=" + enc(red) + "&sortJson=" + enc(byIdDesc));
        assertEquals(List.of("dev-0"), ids(page1));

        JsonObject redAndEnabled = search(tenant, "filterJson=" + enc(red) + "&filterJson=" + enc("{\"field\":\"/enabled\",\"value\":true}"));
        assertEquals(List.of("dev-0", "dev-2"), ids(redAndEnabled));
        JsonObject wildcard = search(tenant, "filterJson=" + enc("{\"field\":\"/ext/color\",\"value\":\"bl*\"}"));
        assertEquals(List.of("dev-1", "dev-4"), ids(wildcard));

        HttpResponse<String> none = client.send("GET", uri(eu, "/v1/devices/" + tenant + "?filterJson="
                + enc("{\"field\":\"/ext/color\",\"value\":\"green\"}")), catalog, null);
        assertEquals(404, none.statusCode(), none.body());

        // an object as a filter value is not supported: refused, not ignored
        HttpResponse<String> unsupported = client.send("GET", uri(eu, "/v1/devices/" + tenant + "?filterJson="
                + enc("{\"field\":\"/ext\",\"value\":{\"color\":\"red\"}}")), catalog, null);
        assertEquals(400, unsupported.statusCode(), unsupported.body());
        assertErrorBody(unsupported);
        HttpResponse<String> unsortable = client.send("GET", uri(eu, "/v1/devices/" + tenant + "?sortJson="
                + enc("{\"field\":\"/ext\"}")), catalog, null);
        assertEquals(400, unsortable.statusCode(), unsortable.body());
        assertErrorBody(unsortable);

        // deleting the tenant deletes its devices and their credentials
        assertEquals(204, client.send("DELETE", uri(eu, "/v1/tenants/" + tenant), catalog, null).statusCode());
        try (CqlSession cql = session(euCassandra)) {
            assertEquals(0, cql.execute("SELECT device_id FROM meridian_registry.devices WHERE tenant_id = ?", tenant).all().size());
            assertEquals(0, cql.execute("SELECT device_id FROM meridian_registry.credentials WHERE tenant_id = ?", tenant).all().size());
        }
    }

    private JsonObject search(String tenant, String query) throws Exception {
        HttpResponse<String> r = client.send("GET", uri(eu, "/v1/devices/" + tenant + "?" + query), catalog, null);
        assertEquals(200, r.statusCode(), r.body());
        return new JsonObject(r.body());
    }

    private static List<String> ids(JsonObject searchResult) {
        List<String> ids = new ArrayList<>();
        searchResult.getJsonArray("result").forEach(o -> ids.add(((JsonObject) o).getString("id")));
        return ids;
    }

    // ---- credentials

    @Test
    void credentials_plaintextIsHashed_neverStoredNorReturned() throws Exception {
        String device = "lamp-" + UUID.randomUUID();
        String plaintext = "pw-" + UUID.randomUUID();
        String authId = "auth-" + UUID.randomUUID();
        assertEquals(201, client.send("POST", uri(eu, "/v1/devices/" + LAMPCO + "/" + device), lampAdmin, "{}").statusCode());
        URI path = uri(eu, "/v1/credentials/" + LAMPCO + "/" + device);
        HttpResponse<String> empty = client.send("GET", path, lampAdmin, null);
        assertEquals(200, empty.statusCode(), empty.body());
        assertEquals(0, new JsonArray(empty.body()).size());

        byte[] salt = "0123456789abcdef".getBytes(StandardCharsets.UTF_8);
        JsonArray credentials = new JsonArray()
                .add(new JsonObject().put("type", "hashed-password").put("auth-id", authId)
                        .put("secrets", new JsonArray().add(new JsonObject().put("pwd-plain", plaintext))))
                .add(new JsonObject().put("type", "hashed-password").put("auth-id", authId + "-sha")
                        .put("secrets", new JsonArray().add(new JsonObject().put("hash-function", "sha-512")
                                .put("pwd-hash", Base64.getEncoder().encodeToString(new byte[64]))
                                .put("salt", Base64.getEncoder().encodeToString(salt)))))
                .add(new JsonObject().put("type", "x509-cert").put("auth-id", "CN=" + device + ",O=LampCo")
                        .put("secrets", new JsonArray().add(new JsonObject())));
        HttpResponse<String> put = client.send("PUT", path, lampAdmin, credentials.encode(),
                "If-Match", empty.headers().firstValue("ETag").orElseThrow());
        assertEquals(204, put.statusCode(), put.body());

        HttpResponse<String> read = client.send("GET", path, lampAdmin, null);
        assertEquals(200, read.statusCode(), read.body());
        assertFalse(read.body().contains(plaintext), "the API returned the plaintext: " + read.body());
        assertFalse(read.body().contains("pwd-hash"), "the API returned a hash: " + read.body());
        assertFalse(read.body().contains("salt"), "the API returned a salt: " + read.body());
        JsonArray returned = new JsonArray(read.body());
        assertEquals(3, returned.size(), read.body());
        JsonObject password = find(returned, "hashed-password", authId);
        assertNotNull(password.getJsonArray("secrets").getJsonObject(0).getString("id"), "secrets keep an id for later updates");
        assertNull(password.getJsonArray("secrets").getJsonObject(0).getString("hash-function"));
        assertNotNull(find(returned, "x509-cert", "CN=" + device + ",O=LampCo"));

        // what Cassandra holds: every column of every credentials row, as text
        try (CqlSession cql = session(euCassandra)) {
            StringBuilder all = new StringBuilder();
            for (String table : List.of("credentials", "credentials_by_auth_id")) {
                for (Row row : cql.execute("SELECT * FROM meridian_registry." + table)) {
                    for (ColumnDefinition column : row.getColumnDefinitions()) {
                        all.append(row.getObject(column.getName())).append('\n');
                    }
                }
            }
            assertTrue(all.toString().contains(authId), "the scan must see the new credentials");
            assertFalse(all.toString().contains(plaintext), "the plaintext password was stored");

            String stored = cql.execute("SELECT credentials FROM meridian_registry.credentials WHERE tenant_id = ? AND device_id = ?",
                    LAMPCO, device).one().getString(0);
            JsonObject secret = find(new JsonArray(stored), "hashed-password", authId).getJsonArray("secrets").getJsonObject(0);
            assertEquals("bcrypt", secret.getString("hash-function"));
            assertTrue(new SpringBasedHonoPasswordEncoder(4).matches(plaintext, secret), "the stored bcrypt hash verifies the password");
            assertFalse(new SpringBasedHonoPasswordEncoder(4).matches(plaintext + "x", secret));

            Row lookup = cql.execute("SELECT device_id, credential FROM meridian_registry.credentials_by_auth_id"
                    + " WHERE tenant_id = ? AND type = ? AND auth_id = ?", LAMPCO, "hashed-password", authId).one();
            assertNotNull(lookup, "the auth-id lookup row exists");
            assertEquals(device, lookup.getString("device_id"));
            assertTrue(lookup.getString("credential").contains("$2"), "the lookup row holds the bcrypt hash");
        }

        HttpResponse<String> md5 = client.send("PUT", path, lampAdmin, new JsonArray().add(new JsonObject().put("type", "hashed-password")
                .put("auth-id", authId).put("secrets", new JsonArray().add(new JsonObject().put("hash-function", "md5")
                        .put("pwd-hash", Base64.getEncoder().encodeToString(new byte[16]))))).encode());
        assertEquals(400, md5.statusCode(), md5.body());
        assertErrorBody(md5);
    }

    @Test
    void authIdOfAnotherDevice_is409_untilThatDeviceIsDeleted() throws Exception {
        String first = "lamp-" + UUID.randomUUID();
        String second = "lamp-" + UUID.randomUUID();
        String authId = "shared-" + UUID.randomUUID();
        String credentials = new JsonArray().add(new JsonObject().put("type", "hashed-password").put("auth-id", authId)
                .put("secrets", new JsonArray().add(new JsonObject().put("pwd-plain", "pw-" + UUID.randomUUID())))).encode();
        for (String d : List.of(first, second)) {
            assertEquals(201, client.send("POST", uri(eu, "/v1/devices/" + LAMPCO + "/" + d), lampAdmin, "{}").statusCode());
        }
        assertEquals(204, client.send("PUT", uri(eu, "/v1/credentials/" + LAMPCO + "/" + first), lampAdmin, credentials).statusCode());

        HttpResponse<String> taken = client.send("PUT", uri(eu, "/v1/credentials/" + LAMPCO + "/" + second), lampAdmin, credentials);
        assertEquals(409, taken.statusCode(), taken.body());
        assertErrorBody(taken);
        assertEquals(0, new JsonArray(client.send("GET", uri(eu, "/v1/credentials/" + LAMPCO + "/" + second), lampAdmin, null).body()).size(),
                "the refused update stored nothing");

        assertEquals(204, client.send("DELETE", uri(eu, "/v1/devices/" + LAMPCO + "/" + first), lampAdmin, null).statusCode());
        HttpResponse<String> free = client.send("PUT", uri(eu, "/v1/credentials/" + LAMPCO + "/" + second), lampAdmin, credentials);
        assertEquals(204, free.statusCode(), free.body());
    }

    @Test
    void secretSentWithOnlyItsId_keepsTheStoredHash() throws Exception {
        String device = "lamp-" + UUID.randomUUID();
        String authId = "keep-" + UUID.randomUUID();
        String plaintext = "pw-" + UUID.randomUUID();
        assertEquals(201, client.send("POST", uri(eu, "/v1/devices/" + LAMPCO + "/" + device), lampAdmin, "{}").statusCode());
        URI path = uri(eu, "/v1/credentials/" + LAMPCO + "/" + device);
        assertEquals(204, client.send("PUT", path, lampAdmin, new JsonArray().add(new JsonObject().put("type", "hashed-password")
                .put("auth-id", authId).put("secrets", new JsonArray().add(new JsonObject().put("pwd-plain", plaintext)))).encode()).statusCode());
        JsonArray metadata = new JsonArray(client.send("GET", path, lampAdmin, null).body());
        String secretId = metadata.getJsonObject(0).getJsonArray("secrets").getJsonObject(0).getString("id");

        // the metadata sent back as it was read, with a comment added
        metadata.getJsonObject(0).put("comment", "renamed");
        HttpResponse<String> put = client.send("PUT", path, lampAdmin, metadata.encode());
        assertEquals(204, put.statusCode(), put.body());

        try (CqlSession cql = session(euCassandra)) {
            String stored = cql.execute("SELECT credentials FROM meridian_registry.credentials WHERE tenant_id = ? AND device_id = ?",
                    LAMPCO, device).one().getString(0);
            JsonObject credential = find(new JsonArray(stored), "hashed-password", authId);
            assertEquals("renamed", credential.getString("comment"));
            JsonObject secret = credential.getJsonArray("secrets").getJsonObject(0);
            assertEquals(secretId, secret.getString("id"));
            assertTrue(new SpringBasedHonoPasswordEncoder(4).matches(plaintext, secret), "the stored hash survived the update");
        }
    }

    @Test
    void recreatedDevice_doesNotInheritCredentialsLeftByAnInterruptedDelete() throws Exception {
        String device = "lamp-" + UUID.randomUUID();
        String authId = "orphan-" + UUID.randomUUID();
        String orphan = new JsonArray().add(new JsonObject().put("type", "hashed-password").put("auth-id", authId)
                .put("secrets", new JsonArray().add(new JsonObject().put("id", "s1").put("hash-function", "bcrypt")
                        .put("pwd-hash", "$2a$04$abcdefghijklmnopqrstuuMxk3w8TnKLOxLgs9lB4F7gH6pGf9Jr2")))).encode();
        // what a delete interrupted after removing the device row leaves behind
        try (CqlSession cql = session(euCassandra)) {
            cql.execute("INSERT INTO meridian_registry.credentials (tenant_id, device_id, version, credentials) VALUES (?, ?, ?, ?)",
                    LAMPCO, device, "old", orphan);
            cql.execute("INSERT INTO meridian_registry.credentials_by_auth_id (tenant_id, type, auth_id, device_id, credential)"
                    + " VALUES (?, ?, ?, ?, ?)", LAMPCO, "hashed-password", authId, device, orphan);
        }
        assertEquals(201, client.send("POST", uri(eu, "/v1/devices/" + LAMPCO + "/" + device), lampAdmin, "{}").statusCode());

        HttpResponse<String> read = client.send("GET", uri(eu, "/v1/credentials/" + LAMPCO + "/" + device), lampAdmin, null);
        assertEquals(200, read.statusCode(), read.body());
        assertEquals(0, new JsonArray(read.body()).size(), "the new device has no credentials, was " + read.body());
        try (CqlSession cql = session(euCassandra)) {
            assertNull(cql.execute("SELECT device_id FROM meridian_registry.credentials_by_auth_id WHERE tenant_id = ? AND type = ? AND auth_id = ?",
                    LAMPCO, "hashed-password", authId).one(), "the orphaned auth-id claim is released");
        }
    }

    private static JsonObject find(JsonArray credentials, String type, String authId) {
        for (Object o : credentials) {
            JsonObject c = (JsonObject) o;
            if (type.equals(c.getString("type")) && authId.equals(c.getString("auth-id"))) {
                return c;
            }
        }
        throw new AssertionError("no " + type + " credential for " + authId + " in " + credentials.encode());
    }

    // ---- regions

    @Test
    void deviceOfOneRegion_doesNotExistInAnotherRegionsRegistry() throws Exception {
        String device = "lamp-" + UUID.randomUUID();
        HttpResponse<String> created = client.send("POST", uri(eu, "/v1/devices/" + LAMPCO + "/" + device), lampAdmin, "{}");
        assertEquals(201, created.statusCode(), created.body());

        assertEquals(200, client.send("GET", uri(eu, "/v1/devices/" + LAMPCO + "/" + device), lampAdmin, null).statusCode());
        HttpResponse<String> inAfrica = client.send("GET", uri(af, "/v1/devices/" + LAMPCO + "/" + device), lampAdmin, null);
        assertEquals(404, inAfrica.statusCode(), inAfrica.body());
        try (CqlSession cql = session(afCassandra)) {
            assertNull(cql.execute("SELECT device_id FROM meridian_registry.devices WHERE tenant_id = ? AND device_id = ?",
                    LAMPCO, device).one(), "af-south's Cassandra must not hold an eu-central device");
        }
    }

    // ---- access

    @Test
    void missingOrMalformedToken_is401() throws Exception {
        URI path = uri(eu, "/v1/devices/" + LAMPCO + "/any");
        assertUnauthorized(client.send("GET", path, null, null));
        assertUnauthorized(client.send("GET", path, "not-a-jwt", null));
        assertUnauthorized(client.send("GET", path, null, null, "Authorization", "Basic bGFtcDpsYW1w"));
    }

    @Test
    void tamperedToken_is401() throws Exception {
        // lamp-admin's real token, with its tenant claim rewritten to carehome and the signature kept
        String[] parts = lampAdmin.split("\\.");
        JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
        claims.put("tenant", "carehome");
        String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                claims.encode().getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        assertUnauthorized(client.send("GET", uri(eu, "/v1/devices/carehome/any"), tampered, null));
    }

    @Test
    void tokenSignedWithAForeignKey_is401() throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).keyID("foreign").generate();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("foreign").build(),
                new JWTClaimsSet.Builder().issuer(keycloak.issuer().toString()).audience("meridian").claim("azp", "catalog")
                        .expirationTime(Date.from(Instant.now().plusSeconds(300))).build());
        jwt.sign(new RSASSASigner(key));
        assertUnauthorized(client.send("GET", uri(eu, "/v1/tenants/" + LAMPCO), jwt.serialize(), null));
    }

    @Test
    void expiredToken_is401() throws Exception {
        // a real token, checked by a registry whose clock is an hour ahead (tokens live 5 minutes)
        Clock later = Clock.offset(Clock.systemUTC(), Duration.ofHours(1));
        DeviceRegistry ahead = await(DeviceRegistry.start(vertx, config("eu-central", euCassandra, keycloak.issuer()), later));
        try {
            assertUnauthorized(client.send("GET", uri(ahead, "/v1/tenants/" + LAMPCO), catalog, null));
            assertEquals(200, client.send("GET", uri(eu, "/v1/tenants/" + LAMPCO), catalog, null).statusCode(),
                    "the same token is accepted by a registry with the right time");
        } finally {
            await(ahead.stop());
        }
    }

    @Test
    void tokenOfAnotherIssuer_is401() throws Exception {
        // same signing keys, but this registry trusts another issuer: the real token's iss does not match
        RegistryConfig base = config("eu-central", euCassandra, keycloak.issuer());
        RegistryConfig otherIssuer = new RegistryConfig(base.regionId(), base.bindAddress(), 0, base.cassandraContactPoints(),
                base.localDatacenter(), base.keyspace(), base.replication(), base.cassandraUsername(), base.cassandraPassword(),
                URI.create(keycloak.baseUri() + "/realms/other"), base.jwksUri(), base.audience(), base.catalogClientId(),
                base.bcryptCost(), base.maxBcryptCost());
        DeviceRegistry strict = await(DeviceRegistry.start(vertx, otherIssuer));
        try {
            assertUnauthorized(client.send("GET", uri(strict, "/v1/tenants/" + LAMPCO), catalog, null));
        } finally {
            await(strict.stop());
        }
    }

    @Test
    void anotherTenantsAdmin_is403() throws Exception {
        String careAdmin = client.userToken(keycloak, MeridianRealm.CARE_ADMIN);
        assertForbidden(client.send("GET", uri(eu, "/v1/tenants/" + LAMPCO), careAdmin, null));
        assertForbidden(client.send("POST", uri(eu, "/v1/devices/" + LAMPCO + "/intruder"), careAdmin, "{}"));
        assertForbidden(client.send("GET", uri(eu, "/v1/credentials/" + LAMPCO + "/any"), careAdmin, null));
    }

    @Test
    void analystAndAuditor_are403_evenForTheirOwnTenant() throws Exception {
        String analyst = client.userToken(keycloak, MeridianRealm.LAMP_ANALYST);
        assertForbidden(client.send("GET", uri(eu, "/v1/tenants/" + LAMPCO), analyst, null));
        assertForbidden(client.send("POST", uri(eu, "/v1/devices/" + LAMPCO + "/by-analyst"), analyst, "{}"));
        String auditor = client.userToken(keycloak, MeridianRealm.AUDITOR);
        assertForbidden(client.send("GET", uri(eu, "/v1/devices/" + LAMPCO), auditor, null));
    }

    @Test
    void customerAdmin_cannotUseTenantlessPaths() throws Exception {
        assertForbidden(client.send("POST", uri(eu, "/v1/tenants"), lampAdmin, "{}"));
        assertForbidden(client.send("GET", uri(eu, "/v1/tenants"), lampAdmin, null));
    }

    // ---- helpers

    private static void assertUnauthorized(HttpResponse<String> response) {
        assertEquals(401, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"),
                "401 must challenge for a bearer token, headers were " + response.headers().map());
        assertErrorBody(response);
    }

    private static void assertForbidden(HttpResponse<String> response) {
        assertEquals(403, response.statusCode(), response.body());
        assertErrorBody(response);
    }

    private static void assertErrorBody(HttpResponse<String> response) {
        JsonObject body = new JsonObject(response.body());
        assertFalse(body.getString("error", "").isBlank(), "Hono error body expected, was " + response.body());
    }

    private static URI uri(DeviceRegistry registry, String path) {
        return URI.create("http://127.0.0.1:" + registry.port() + path);
    }

    private static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static CqlSession session(CassandraService c) {
        return CqlSession.builder().addContactPoint(c.cqlAddress()).withLocalDatacenter(c.localDatacenter()).build();
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
}
