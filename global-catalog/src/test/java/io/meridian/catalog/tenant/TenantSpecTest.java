package io.meridian.catalog.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.policy.model.AllocationPolicy;
import io.meridian.policy.model.ExportPolicy;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.PolicyRules;
import io.meridian.regions.RegionConfigs;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TenantSpecTest {

    private static final RegionConfigs CONFIGS = RegionConfigs.loadDefault();
    private static final PolicyRules RULES = CONFIGS.policyRules();
    private static final Duration DEFAULT_RETENTION = CONFIGS.tenantDefaults().retention();

    @Test
    void aMinimalTenant_getsTheDefaults() {
        TenantSpec spec = TenantSpec.fromJson("lampco", new JsonObject().put("home-jurisdiction", "EU"), RULES, DEFAULT_RETENTION);
        assertEquals(Jurisdiction.of("EU"), spec.home());
        assertEquals(AllocationPolicy.proximity(), spec.allocation());
        assertEquals(ExportPolicy.none(), spec.export());
        assertEquals(DEFAULT_RETENTION, spec.retention());
        JsonObject explicit = spec.toJson();
        assertEquals(spec, TenantSpec.fromJson("lampco", explicit, RULES, DEFAULT_RETENTION), "toJson reads back to the same tenant");
    }

    @Test
    void aFullTenant_roundTrips_andBecomesHonosTenantJson() {
        JsonObject doc = new JsonObject("""
                {"home-jurisdiction":"EU","allocation":{"policy":"PINNED_JURISDICTION","jurisdictions":["EU"]},
                 "export":{"allowed-destinations":["ZA"],"k":20,"min-window":"PT1H","allowed-labels":["model"]},
                 "retention":"P30D",
                 "data":{"payload":{"metrics":{"temperature":"/env/temp"},"location":{"lat":"/pos/lat","lon":"/pos/lon"},"time":"/ts"},
                         "geohash-precision":5,"group-labels":["model"]}}""");
        TenantSpec spec = TenantSpec.fromJson("lampco", doc, RULES, DEFAULT_RETENTION);
        assertEquals(AllocationPolicy.pinnedTo(Set.of(Jurisdiction.of("EU"))), spec.allocation());
        assertEquals(Duration.ofDays(30), spec.retention());
        assertEquals(spec, TenantSpec.fromJson("lampco", spec.toJson(), RULES, DEFAULT_RETENTION));
        JsonObject meridian = spec.toHonoTenant(7).getJsonObject("ext").getJsonObject("meridian");
        assertEquals(true, spec.toHonoTenant(7).getBoolean("enabled"));
        assertEquals(30, meridian.getInteger("retention-days"));
        assertEquals(7, meridian.getInteger("catalog-revision"));
        assertEquals(20, meridian.getJsonObject("export").getInteger("k"));
        assertEquals("/env/temp", meridian.getJsonObject("payload").getJsonObject("metrics").getString("temperature"));
        assertEquals(5, meridian.getInteger("geohash-precision"));
    }

    @Test
    void badInput_isRefused_namingTheField() {
        assertRefused("/home-jurisdiction", "{}", "is required");
        assertRefused("/home-jurisdiction", "{\"home-jurisdiction\":\"XX\"}", "unknown jurisdiction XX");
        assertRefused("/allocation/policy", "{\"home-jurisdiction\":\"EU\",\"allocation\":{\"policy\":\"NEAREST\"}}", "must be one of");
        assertRefused("/allocation/jurisdictions/0", "{\"home-jurisdiction\":\"EU\",\"allocation\":{\"policy\":\"PINNED_JURISDICTION\",\"jurisdictions\":[\"MARS\"]}}",
                "unknown jurisdiction");
        assertRefused("/allocation/regions/0", "{\"home-jurisdiction\":\"EU\",\"allocation\":{\"policy\":\"STATIC\",\"regions\":[\"moon-1\"]}}",
                "unknown region moon-1");
        assertRefused("/allocation/regions", "{\"home-jurisdiction\":\"EU\",\"allocation\":{\"policy\":\"STATIC\",\"regions\":[]}}", "must not be empty");
        assertRefused("/export", "{\"home-jurisdiction\":\"EU\",\"export\":{\"k\":3}}", "");
        assertRefused("/export", "{\"home-jurisdiction\":\"EU\",\"export\":{\"allowed-destinations\":[\"ZZ\"]}}", "");
        assertRefused("/retention", "{\"home-jurisdiction\":\"EU\",\"retention\":\"a month\"}", "whole days");
        assertRefused("/retention", "{\"home-jurisdiction\":\"EU\",\"retention\":\"P9999D\"}", "between");
        assertRefused("/retention", "{\"home-jurisdiction\":\"EU\",\"retention\":\"PT36H\"}", "whole days");
        assertRefused("/data/payload/metrics/temperature", "{\"home-jurisdiction\":\"EU\",\"data\":{\"payload\":{\"metrics\":{\"temperature\":\"env.temp\"}}}}",
                "JSON Pointer");
        assertRefused("/data/geohash-precision", "{\"home-jurisdiction\":\"EU\",\"data\":{\"geohash-precision\":13}}", "1 to 12");
        assertRefused("/data/colour", "{\"home-jurisdiction\":\"EU\",\"data\":{\"colour\":\"red\"}}", "unknown setting");
        assertRefused("/owner", "{\"home-jurisdiction\":\"EU\",\"owner\":\"me\"}", "unknown field");
        TenantSpec.InvalidTenantException e = assertThrows(TenantSpec.InvalidTenantException.class,
                () -> TenantSpec.fromJson("lamp co/1", new JsonObject().put("home-jurisdiction", "EU"), RULES, DEFAULT_RETENTION));
        assertEquals("/id", e.pointer());
    }

    private static void assertRefused(String pointer, String doc, String part) {
        TenantSpec.InvalidTenantException e = assertThrows(TenantSpec.InvalidTenantException.class,
                () -> TenantSpec.fromJson("lampco", new JsonObject(doc), RULES, DEFAULT_RETENTION));
        assertEquals(pointer, e.pointer(), e.getMessage());
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
