package io.meridian.gateway.auth;

import io.meridian.auth.TokenValidator;
import io.meridian.gateway.problem.GatewayProblem;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * The first step of every route but {@code /v1/openapi.json}: validates the bearer token with service-auth's
 * {@link TokenValidator} (signature through the realm's JWKS with rotation, issuer, expiry, audience), then checks the
 * route's roles and, on a tenant route, that the caller's {@code tenant} claim is the tenant of the path. On success the
 * {@link Caller} is in the exchange property {@link Caller#PROPERTY}.
 *
 * <p>It blocks on a key fetch; platform-http-vertx runs routes on Vert.x worker threads, never on the event loop.
 *
 * @throws GatewayProblem 401 (with {@code WWW-Authenticate}) for a missing or invalid token, 403 for a missing role or
 *                        another tenant, 503 when the realm's keys cannot be fetched
 */
public final class Authenticate implements Processor {

    /** The path prefix of tenant routes, {@code /v1/tenants/{tenant}/...}. */
    public static final String TENANT_PATH = "/v1/tenants/";

    private final TokenValidator tokens;
    private final Set<String> anyOfRoles;
    private final boolean tenantScoped;
    private final boolean gatewayClients;
    /** A role that may read every tenant when its holder is a platform user (no tenant claim, no tenant role); or null. */
    private final String platformRole;
    private final Set<String> tenantRoles;

    private Authenticate(TokenValidator tokens, Set<String> anyOfRoles, boolean tenantScoped) {
        this(tokens, anyOfRoles, tenantScoped, false);
    }

    private Authenticate(TokenValidator tokens, Set<String> anyOfRoles, boolean tenantScoped, boolean gatewayClients) {
        this(tokens, anyOfRoles, tenantScoped, gatewayClients, null, Set.of());
    }

    private Authenticate(TokenValidator tokens, Set<String> anyOfRoles, boolean tenantScoped, boolean gatewayClients, String platformRole,
            Set<String> tenantRoles) {
        this.tokens = Objects.requireNonNull(tokens, "tokens must not be null");
        this.anyOfRoles = Set.copyOf(anyOfRoles);
        this.tenantScoped = tenantScoped;
        this.gatewayClients = gatewayClients;
        this.platformRole = platformRole;
        this.tenantRoles = Set.copyOf(tenantRoles);
    }

    /**
     * For a route under {@code /v1/tenants/{tenant}} that a platform role reads too (the console's tenant overview for a
     * compliance officer): the tenant's own users with one of {@code tenantRoles}, or a platform user holding
     * {@code platformRole}, that is a token with that role, no tenant claim and none of {@code tenantRoles}. A token that
     * carries a tenant role is a tenant's user and is held to its own tenant, whatever other roles it has.
     */
    public static Authenticate tenantMemberOrPlatformRole(TokenValidator tokens, String platformRole, String... tenantRoles) {
        if (tenantRoles.length == 0) {
            throw new IllegalArgumentException("tenantMemberOrPlatformRole needs at least one tenant role, was none");
        }
        Set<String> all = new java.util.HashSet<>(Set.of(tenantRoles));
        all.add(Objects.requireNonNull(platformRole, "platformRole must not be null"));
        return new Authenticate(tokens, all, true, false, platformRole, Set.of(tenantRoles));
    }

    /** Any valid token of the realm. */
    public static Authenticate anyCaller(TokenValidator tokens) {
        return new Authenticate(tokens, Set.of(), false);
    }

    /** A valid token with at least one of {@code roles}. */
    public static Authenticate withAnyRole(TokenValidator tokens, String... roles) {
        if (roles.length == 0) {
            throw new IllegalArgumentException("withAnyRole needs at least one role, was none");
        }
        return new Authenticate(tokens, Set.of(roles), false);
    }

    /**
     * A valid token with at least one of {@code roles}, or the token of a federation gateway's service client (a
     * {@code region} claim, which only the realm's {@code gateway-<region>} clients carry): for the ledger endpoints another
     * gateway's audit run reads with its own client token.
     */
    public static Authenticate withAnyRoleOrGatewayClient(TokenValidator tokens, String... roles) {
        if (roles.length == 0) {
            throw new IllegalArgumentException("withAnyRoleOrGatewayClient needs at least one role, was none");
        }
        return new Authenticate(tokens, Set.of(roles), false, true);
    }

    /**
     * For a route under {@code /v1/tenants/{tenant}}: a valid token with one of {@code roles} whose {@code tenant}
     * claim is the path's tenant. A caller without a tenant claim is refused too.
     */
    public static Authenticate tenantMember(TokenValidator tokens, String... roles) {
        if (roles.length == 0) {
            throw new IllegalArgumentException("tenantMember needs at least one role, was none");
        }
        return new Authenticate(tokens, Set.of(roles), true);
    }

    /** A caller let through, and when its token expires (for a stream, which must end then). */
    public record Checked(Caller caller, Optional<java.time.Instant> expires) {
    }

    /**
     * The token and role checks of {@link #process} on an {@code Authorization} header value, for a handler outside Camel
     * (the event stream on the platform-http router); the tenant check is not made. Blocking (a key fetch).
     *
     * @throws GatewayProblem as {@link #process}
     */
    public Checked check(String header) {
        if (header == null || header.isBlank()) {
            throw GatewayProblem.unauthorized("a Keycloak bearer token is required", null);
        }
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7) || header.substring(7).isBlank()) {
            throw GatewayProblem.unauthorized("the Authorization header must be 'Bearer <token>'", "invalid_request");
        }
        com.nimbusds.jwt.JWTClaimsSet claims;
        try {
            claims = tokens.validate(header.substring(7).trim());
        } catch (TokenValidator.InvalidTokenException e) {
            throw GatewayProblem.unauthorized(e.getMessage(), "invalid_token");
        } catch (IllegalStateException e) {
            throw GatewayProblem.unavailable("the token cannot be checked now: the realm's signing keys cannot be fetched", 5, e);
        }
        Caller caller = Caller.of(claims);
        boolean asGateway = gatewayClients && caller.region().isPresent();
        if (!anyOfRoles.isEmpty() && !asGateway && caller.roles().stream().noneMatch(anyOfRoles::contains)) {
            throw GatewayProblem.of(403, "this endpoint needs one of the roles " + new TreeSet<>(anyOfRoles)
                    + (gatewayClients ? " or a gateway's service client" : "") + ", the token has " + new TreeSet<>(caller.roles()));
        }
        return new Checked(caller, Optional.ofNullable(claims.getExpirationTime()).map(java.util.Date::toInstant));
    }

    @Override
    public void process(Exchange exchange) {
        Caller caller = check(exchange.getMessage().getHeader("Authorization", String.class)).caller();
        if (tenantScoped) {
            String tenant = tenantOfPath(exchange.getMessage().getHeader(Exchange.HTTP_URI, String.class))
                    // a route declared as a tenant route whose path is not /v1/tenants/{tenant}: a wiring fault, not the caller's
                    .orElseThrow(() -> new IllegalStateException("route " + exchange.getFromRouteId() + " is tenant-scoped but its path is not under "
                            + TENANT_PATH));
            Optional<String> own = caller.tenant();
            boolean platformUser = platformRole != null && own.isEmpty() && caller.roles().contains(platformRole)
                    && caller.roles().stream().noneMatch(tenantRoles::contains);
            if (platformUser) {
                exchange.setProperty(Caller.PROPERTY, caller);
                return;
            }
            if (own.isEmpty()) {
                throw GatewayProblem.of(403, "tenant " + tenant + " may be accessed only by its own users; the token has no tenant claim");
            }
            if (!own.get().equals(tenant)) {
                throw GatewayProblem.of(403, "a user of tenant " + own.get() + " may not access tenant " + tenant);
            }
        }
        exchange.setProperty(Caller.PROPERTY, caller);
    }

    /**
     * The tenant segment of a request path under {@value #TENANT_PATH}, decoded. Read from the path itself rather than
     * from the {@code tenant} header Camel sets for a path parameter, since a caller can send a header of that name too.
     */
    static Optional<String> tenantOfPath(String uri) {
        if (uri == null) {
            return Optional.empty();
        }
        int query = uri.indexOf('?');
        String path = query < 0 ? uri : uri.substring(0, query);
        if (!path.startsWith(TENANT_PATH)) {
            return Optional.empty();
        }
        String rest = path.substring(TENANT_PATH.length());
        int slash = rest.indexOf('/');
        String segment = slash < 0 ? rest : rest.substring(0, slash);
        String tenant = URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        return tenant.isBlank() ? Optional.empty() : Optional.of(tenant);
    }
}
