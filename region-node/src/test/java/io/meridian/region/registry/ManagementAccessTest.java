package io.meridian.region.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ManagementAccessTest {

    private final ManagementAccess access = new ManagementAccess("catalog");

    private static Map<String, Object> user(String tenant, String... roles) {
        return Map.of("azp", "meridian-cli", "tenant", tenant, "realm_access", Map.of("roles", List.of(roles)));
    }

    @Test
    void catalogClient_mayManageAnyTenantAndTenantlessPaths() {
        Map<String, Object> catalog = Map.of("azp", "catalog");
        assertTrue(access.decide(catalog, "/v1/devices/lampco/x").allowed());
        assertTrue(access.decide(catalog, "/v1/tenants").allowed());
    }

    @Test
    void customerAdmin_mayManageOnlyItsOwnTenant() {
        Map<String, Object> admin = user("lampco", "customer-admin");
        assertTrue(access.decide(admin, "/v1/tenants/lampco").allowed());
        assertTrue(access.decide(admin, "/v1/devices/lampco").allowed());
        assertTrue(access.decide(admin, "/v1/credentials/lampco/lamp-1").allowed());
        assertFalse(access.decide(admin, "/v1/devices/carehome/x").allowed());
        assertFalse(access.decide(admin, "/v1/tenants").allowed());
        assertFalse(access.decide(admin, "/v1/devices/lampcoX/x").allowed());
    }

    @Test
    void analystAuditorAndOtherClients_areRefused() {
        assertFalse(access.decide(user("lampco", "customer-analyst"), "/v1/devices/lampco").allowed());
        assertFalse(access.decide(Map.of("realm_access", Map.of("roles", List.of("compliance-officer"))), "/v1/devices/lampco").allowed());
        assertFalse(access.decide(Map.of("azp", "gateway-eu-central"), "/v1/devices/lampco").allowed());
        assertFalse(access.decide(Map.of(), "/v1/devices/lampco").allowed());
    }

    @Test
    void adminWithoutTenantClaim_isRefused() {
        assertFalse(access.decide(Map.of("realm_access", Map.of("roles", List.of("customer-admin"))), "/v1/devices/lampco").allowed());
    }

    @Test
    void tenantOfPath_isTheThirdSegmentOfAManagementPath() {
        assertEquals(Optional.of("lampco"), ManagementAccess.tenantOf("/v1/devices/lampco/lamp-1"));
        assertEquals(Optional.of("a b+c"), ManagementAccess.tenantOf("/v1/tenants/a%20b+c"));
        assertEquals(Optional.empty(), ManagementAccess.tenantOf("/v1/tenants"));
        assertEquals(Optional.empty(), ManagementAccess.tenantOf("/v1/tenants/"));
        assertEquals(Optional.empty(), ManagementAccess.tenantOf("/v2/devices/lampco"));
        assertEquals(Optional.empty(), ManagementAccess.tenantOf("/v1/other/lampco"));
    }
}
