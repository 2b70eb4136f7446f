package io.meridian.catalog.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.service.BackingService;
import io.meridian.local.service.Federation;
import io.meridian.local.service.ProcessBackedService;
import io.meridian.local.service.ServiceRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The catalog as {@code ./meridian up} runs it: {@code CatalogApp} in its own process from this module's build, given
 * the running region node's ports by local-federation's {@code CatalogProvider}. It serves its API, pushes a tenant to the
 * region, registers a device there, and stops on SIGTERM without leaving a process.
 */
@MeridianServices(cassandra = "eu-central", kafka = "eu-central", keycloak = true)
class CatalogProcessIT {

    @Test
    void catalogProcess_servesTheApi_registersInTheRunningRegion_andStopsCleanly(Federation federation, KeycloakService keycloak) throws Exception {
        federation.start(List.of(ServiceRequest.of("region-node", "eu-central")), Federation.Listener.NONE);
        federation.start(List.of(ServiceRequest.of("catalog")), Federation.Listener.NONE);
        BackingService catalog = federation.service("catalog").orElseThrow();
        ProcessHandle pid = ((ProcessBackedService) catalog).process().orElseThrow().handle();
        String api = catalog.endpoints().get("api");
        TestHttp http = new TestHttp();
        try {
            assertEquals(200, http.send("GET", URI.create(api + "/openapi.json"), null, null).statusCode());
            // a gateway client may manage any tenant, so this class needs no demo tenant (CatalogIT uses those)
            String admin = http.gatewayToken(keycloak, "eu-central");
            // the process's health poller finds eu-central UP within a few periods
            long deadline = System.nanoTime() + 60_000_000_000L;
            String status = "";
            while (!"UP".equals(status) && System.nanoTime() < deadline) {
                JsonArray regions = new JsonArray(http.send("GET", URI.create(api + "/regions"), admin, null).body());
                status = regions.stream().map(JsonObject.class::cast).filter(r -> r.getString("id").equals("eu-central")).findFirst().orElseThrow()
                        .getString("status");
                Thread.sleep(500);
            }
            assertEquals("UP", status);
            String tenant = "proc-" + UUID.randomUUID().toString().substring(0, 8);
            HttpResponse<String> put = http.send("PUT", URI.create(api + "/tenants/" + tenant), admin, "{\"home-jurisdiction\":\"EU\"}");
            assertEquals(201, put.statusCode(), put.body());
            assertEquals("current", new JsonObject(put.body()).getJsonObject("regions").getJsonObject("eu-central").getString("status"), put.body());
            String device = "proc-" + UUID.randomUUID().toString().substring(0, 8);
            HttpResponse<String> reg = http.send("POST", URI.create(api + "/tenants/" + tenant + "/devices"), admin,
                    new JsonObject().put("device-id", device).put("location", new JsonObject().put("country", "DE")).encode());
            assertEquals(201, reg.statusCode(), reg.body());
            assertEquals("eu-central", new JsonObject(reg.body()).getString("region"));
            String registry = federation.service("region-node-eu-central").orElseThrow().endpoints().get("registry");
            assertEquals(200, http.send("GET", URI.create(registry + "/devices/" + tenant + "/" + device), http.catalogToken(keycloak), null).statusCode());
        } finally {
            catalog.stop();
        }
        assertFalse(pid.isAlive(), "the catalog process ended");
    }
}
