package io.meridian.region.registry;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Who may call the management API, decided from a validated token's claims and the request path:
 * the catalog's service client may manage every tenant; a {@code customer-admin} may manage only the
 * tenant named by its {@code tenant} claim, and only on paths that name that tenant. Everyone else is
 * refused (403).
 */
final class ManagementAccess {

    static final String CUSTOMER_ADMIN = "customer-admin";

    private final String catalogClientId;

    ManagementAccess(String catalogClientId) {
        this.catalogClientId = Objects.requireNonNull(catalogClientId, "catalogClientId must not be null");
    }

    /** The outcome: allowed, or refused with a reason for the caller. */
    record Decision(boolean allowed, String reason) {
        static Decision allow(String reason) {
            return new Decision(true, reason);
        }

        static Decision deny(String reason) {
            return new Decision(false, reason);
        }
    }

    /**
     * Decides.
     *
     * @param claims the validated token's claims ({@code azp}, {@code tenant}, {@code realm_access.roles})
     * @param path   the request path, for example {@code /v1/devices/lampco/lamp-1}
     */
    Decision decide(Map<String, Object> claims, String path) {
        if (catalogClientId.equals(claims.get("azp"))) {
            return Decision.allow("catalog service client");
        }
        if (!realmRoles(claims).contains(CUSTOMER_ADMIN)) {
            return Decision.deny("the management API needs the " + CUSTOMER_ADMIN + " role");
        }
        Optional<String> pathTenant = tenantOf(path);
        if (pathTenant.isEmpty()) {
            return Decision.deny("only the catalog may call " + path);
        }
        Object tenant = claims.get("tenant");
        if (!pathTenant.get().equals(tenant)) {
            return Decision.deny("a " + CUSTOMER_ADMIN + " may manage only its own tenant");
        }
        return Decision.allow(CUSTOMER_ADMIN + " of " + tenant);
    }

    /** The tenant a management path names: {@code /v1/{tenants|devices|credentials}/<tenant>[/...]}. */
    static Optional<String> tenantOf(String path) {
        if (path == null) {
            return Optional.empty();
        }
        String[] parts = path.split("/", -1);
        // "", "v1", kind, tenant, ...
        if (parts.length < 4 || !parts[0].isEmpty() || !"v1".equals(parts[1])
                || !List.of("tenants", "devices", "credentials").contains(parts[2]) || parts[3].isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(URLDecoder.decode(parts[3].replace("+", "%2B"), StandardCharsets.UTF_8));
    }

    private static Collection<?> realmRoles(Map<String, Object> claims) {
        if (claims.get("realm_access") instanceof Map<?, ?> access && access.get("roles") instanceof Collection<?> roles) {
            return roles;
        }
        return List.of();
    }
}
