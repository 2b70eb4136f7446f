package io.meridian.region.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eclipse.hono.util.CredentialsObject;
import org.eclipse.hono.util.TenantObject;
import org.junit.jupiter.api.Test;

class AdapterViewsTest {

    @Test
    void tenant_keepsItsEnabledFlag() {
        TenantObject enabled = AdapterViews.tenantObject("lampco", "{\"enabled\": true}");
        assertEquals("lampco", enabled.getTenantId());
        assertTrue(enabled.isEnabled());
        assertFalse(AdapterViews.tenantObject("lampco", "{\"enabled\": false}").isEnabled());
    }

    @Test
    void tenant_keepsItsAdapterSettings() {
        TenantObject tenant = AdapterViews.tenantObject("lampco",
                "{\"enabled\": true, \"adapters\": [{\"type\": \"hono-mqtt\", \"enabled\": false}]}");
        assertFalse(tenant.isAdapterEnabled("hono-mqtt"));
        assertTrue(AdapterViews.tenantObject("lampco", "{\"enabled\": true}").isAdapterEnabled("hono-mqtt"));
    }

    @Test
    void disabledDevice_hasNoAssertion() {
        assertEquals("lamp-1", AdapterViews.assertion("lamp-1", "{\"enabled\": true}").orElseThrow().getDeviceId());
        assertTrue(AdapterViews.assertion("lamp-1", "{}").isPresent());
        assertTrue(AdapterViews.assertion("lamp-1", "{\"enabled\": false}").isEmpty());
        // the gateways a device names in via are the ones Hono's command router may reach it through
        assertEquals(java.util.List.of("gw-1", "gw-2"),
                AdapterViews.assertion("sensor-9", "{\"via\": [\"gw-1\", \"gw-2\"]}").orElseThrow().getAuthorizedGateways());
        assertTrue(AdapterViews.assertion("lamp-1", "{}").orElseThrow().getAuthorizedGateways().isEmpty());
    }

    @Test
    void gateway_actsForADeviceThatNamesItInVia_orThroughAGroup() {
        String gateway = "{\"enabled\": true, \"memberOf\": [\"floor-2\"]}";
        assertEquals(java.util.List.of("gw-1"), AdapterViews.gatewayAssertion("sensor-9", "{\"via\": [\"gw-1\"]}", "gw-1", "{}")
                .orElseThrow().getAuthorizedGateways());
        assertTrue(AdapterViews.gatewayAssertion("sensor-9", "{\"viaGroups\": [\"floor-2\"]}", "gw-1", gateway).isPresent());
        assertTrue(AdapterViews.gatewayAssertion("sensor-9", "{\"via\": [\"gw-2\"]}", "gw-1", gateway).isEmpty());
        assertTrue(AdapterViews.gatewayAssertion("sensor-9", "{\"viaGroups\": [\"floor-3\"]}", "gw-1", gateway).isEmpty());
        assertTrue(AdapterViews.gatewayAssertion("sensor-9", "{}", "gw-1", gateway).isEmpty());
    }

    @Test
    void credential_carriesOnlyEnabledHashedSecrets() {
        JsonObject stored = new JsonObject().put("type", "hashed-password").put("auth-id", "lamp-1-auth")
                .put("secrets", new JsonArray()
                        .add(new JsonObject().put("id", "s1").put("hash-function", "bcrypt").put("pwd-hash", "$2a$04$abc"))
                        .add(new JsonObject().put("id", "s2").put("enabled", false).put("hash-function", "bcrypt").put("pwd-hash", "$2a$04$old")));
        CredentialsObject credentials = AdapterViews.credentials("lamp-1", new JsonArray().add(stored).encode()).orElseThrow();
        assertEquals("lamp-1", credentials.getDeviceId());
        assertEquals("lamp-1-auth", credentials.getAuthId());
        assertEquals("hashed-password", credentials.getType());
        assertEquals(1, credentials.getSecrets().size());
        assertEquals("$2a$04$abc", credentials.getSecrets().getJsonObject(0).getString("pwd-hash"));
    }

    @Test
    void disabledCredential_orNoSecret_isAbsent() {
        assertTrue(AdapterViews.credentials("lamp-1", new JsonArray().add(new JsonObject().put("type", "hashed-password").put("auth-id", "a")
                .put("enabled", false).put("secrets", new JsonArray().add(new JsonObject().put("pwd-hash", "x")))).encode()).isEmpty());
        assertTrue(AdapterViews.credentials("lamp-1", new JsonArray().add(new JsonObject().put("type", "hashed-password").put("auth-id", "a")
                .put("secrets", new JsonArray())).encode()).isEmpty());
    }

    @Test
    void credential_asTheRegistryStoresIt_isReadable() {
        // the lookup column is written by RegistryJson, with the management model's own serialisation
        var secret = new org.eclipse.hono.service.management.credentials.PasswordSecret();
        secret.setHashFunction("bcrypt");
        secret.setPasswordHash("$2a$04$stored");
        var credential = new org.eclipse.hono.service.management.credentials.PasswordCredential("lamp-1-auth", java.util.List.of(secret));
        CredentialsObject read = AdapterViews.credentials("lamp-1", RegistryJson.writeCredential(credential)).orElseThrow();
        assertEquals("lamp-1-auth", read.getAuthId());
        assertEquals("hashed-password", read.getType());
        assertEquals("$2a$04$stored", read.getSecrets().getJsonObject(0).getString("pwd-hash"));
        assertEquals("bcrypt", read.getSecrets().getJsonObject(0).getString("hash-function"));
    }

    @Test
    void tenant_carriesItsConnectionLimit_andTrustedCaAsTrustAnchor() {
        io.meridian.region.tls.TestPki pki = io.meridian.region.tls.TestPki.newCa("CN=LampCo devices CA,O=LampCo");
        String json = new JsonObject().put("enabled", true)
                .put("resource-limits", new JsonObject().put("max-connections", 3))
                .put("trusted-ca", new JsonArray().add(new JsonObject().put("cert", pki.caCertificateBase64())))
                .encode();
        // as the management API stores it: parsed into Hono's model and written back
        TenantObject tenant = AdapterViews.tenantObject("lampco",
                RegistryJson.write(RegistryJson.read(json, org.eclipse.hono.service.management.tenant.Tenant.class)));
        assertEquals(3, tenant.getResourceLimits().getMaxConnections());
        assertEquals(1, tenant.getTrustAnchors().size());
        java.security.cert.TrustAnchor anchor = tenant.getTrustAnchors().iterator().next();
        assertEquals(pki.caCertificate().getSubjectX500Principal(), anchor.getCA());
        assertEquals(pki.caCertificate().getPublicKey(), anchor.getCAPublicKey());
    }

}
