package io.meridian.gateway.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Who made a request, from a validated access token: the subject, the realm roles, the tenant claim of a customer user
 * and the region claim of a gateway's service client. Routes read it from the exchange property {@link #PROPERTY}.
 *
 * @param subject the token's {@code sub}, or its {@code azp} when it has none
 * @param roles   the realm roles ({@code realm_access.roles})
 * @param tenant  the {@code tenant} claim, empty for platform users and service clients
 * @param region  the {@code region} claim of a gateway client, empty for users
 */
public record Caller(String subject, Set<String> roles, Optional<String> tenant, Optional<String> region) {

    /** The exchange property that holds the caller once {@link Authenticate} let the request through. */
    public static final String PROPERTY = "meridian.caller";

    public Caller {
        Objects.requireNonNull(subject, "subject must not be null");
        roles = Set.copyOf(roles);
        Objects.requireNonNull(tenant, "tenant must not be null");
        Objects.requireNonNull(region, "region must not be null");
    }

    /** The caller of these verified claims. */
    public static Caller of(JWTClaimsSet claims) {
        Map<String, Object> all = claims.getClaims();
        Set<String> roles = new LinkedHashSet<>();
        if (all.get("realm_access") instanceof Map<?, ?> access && access.get("roles") instanceof Collection<?> list) {
            list.forEach(r -> roles.add(String.valueOf(r)));
        }
        String subject = claims.getSubject() != null ? claims.getSubject() : String.valueOf(all.getOrDefault("azp", "unknown"));
        return new Caller(subject, roles, text(all.get("tenant")), text(all.get("region")));
    }

    private static Optional<String> text(Object claim) {
        return claim instanceof String s && !s.isBlank() ? Optional.of(s) : Optional.empty();
    }
}
