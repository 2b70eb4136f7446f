package io.meridian.region.api;

import com.nimbusds.jwt.JWTClaimsSet;
import io.meridian.policy.model.RegionId;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The authenticated caller of the region data API, from a validated Keycloak token.
 *
 * <ul>
 * <li>A federation gateway is a service client with a {@code region} claim: it acts for the tenants whose users
 *     it authenticated, and takes what it receives to its region.</li>
 * <li>A user carries a {@code tenant} claim and realm roles ({@code customer-admin}, {@code customer-analyst},
 *     {@code compliance-officer}); no {@code region} claim.</li>
 * </ul>
 *
 * @param name   for the decision log: {@code client:<azp>} or {@code user:<preferred_username or sub>}
 * @param region the {@code region} claim, if any
 * @param tenant the {@code tenant} claim, if any
 * @param roles  the realm roles
 */
record Caller(String name, Optional<RegionId> region, Optional<String> tenant, Set<String> roles) {

    static final String COMPLIANCE_OFFICER = "compliance-officer";
    static final Set<String> TENANT_ROLES = Set.of("customer-admin", "customer-analyst");

    /**
     * @throws IllegalArgumentException when the {@code region} claim is not a region id
     */
    static Caller of(JWTClaimsSet claims) {
        Map<String, Object> all = claims.getClaims();
        Optional<RegionId> region = Optional.ofNullable(all.get("region")).map(r -> RegionId.of(String.valueOf(r)));
        Optional<String> tenant = Optional.ofNullable(all.get("tenant")).map(String::valueOf);
        Set<String> roles = Set.of();
        if (all.get("realm_access") instanceof Map<?, ?> access && access.get("roles") instanceof Collection<?> list) {
            roles = list.stream().map(String::valueOf).collect(Collectors.toUnmodifiableSet());
        }
        String name;
        if (region.isPresent() || tenant.isEmpty() && all.get("azp") != null && all.get("preferred_username") == null) {
            name = "client:" + all.getOrDefault("azp", claims.getSubject());
        } else {
            Object user = all.getOrDefault("preferred_username", claims.getSubject());
            name = "user:" + user;
        }
        return new Caller(name, region, tenant, roles);
    }

    /** Whether this is a federation gateway's service client. */
    boolean isGateway() {
        return region.isPresent();
    }

    /** Why the caller may not use the tenant's data at all, if it may not. */
    Optional<String> refusalFor(String tenantId) {
        if (isGateway()) {
            return Optional.empty();
        }
        if (tenant.isEmpty()) {
            return Optional.of("the token carries no tenant claim and no region claim");
        }
        if (!tenant.get().equals(tenantId)) {
            return Optional.of("the token's tenant is not " + tenantId);
        }
        if (roles.stream().noneMatch(TENANT_ROLES::contains)) {
            return Optional.of("the data API needs one of the roles " + List.copyOf(TENANT_ROLES));
        }
        return Optional.empty();
    }

    /** Whether the caller may read and verify the decision log. */
    boolean mayAudit() {
        return isGateway() || roles.contains(COMPLIANCE_OFFICER);
    }
}
