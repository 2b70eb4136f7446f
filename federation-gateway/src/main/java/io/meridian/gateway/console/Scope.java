package io.meridian.gateway.console;

import io.meridian.gateway.auth.Caller;
import io.meridian.gateway.problem.GatewayProblem;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Whose numbers a console endpoint shows, and its shared query checks. */
public final class Scope {

    /** The roles of a tenant's users, who only ever see their own tenant. */
    public static final Set<String> TENANT_ROLES = Set.of("customer-admin", "customer-analyst");
    public static final String COMPLIANCE_OFFICER = "compliance-officer";
    /** The longest period {@code /v1/transfers} summarises (the decision feeds hold 25 h). */
    public static final Duration MAX_PERIOD = Duration.ofHours(24);

    private Scope() {
    }

    /**
     * The tenant whose numbers the caller sees: its own for a tenant's user (any token with a tenant role, whatever else
     * it holds), none (every tenant) for a compliance officer without a tenant role.
     *
     * @throws GatewayProblem 403 for a tenant role without a tenant claim
     */
    public static Optional<String> of(Caller caller) {
        if (caller.roles().stream().anyMatch(TENANT_ROLES::contains)) {
            return Optional.of(caller.tenant().orElseThrow(() -> GatewayProblem.of(403,
                    "a customer's token must carry a tenant claim; this one has none")));
        }
        return Optional.empty();
    }

    /** Refuses query parameters other than {@code allowed}. */
    public static void onlyParameters(Map<String, String> query, Set<String> allowed) {
        for (String name : query.keySet()) {
            if (!allowed.contains(name)) {
                throw GatewayProblem.of(400, "query parameter " + name + " is not known; only " + new java.util.TreeSet<>(allowed) + " are");
            }
        }
    }

    /** {@code from} and {@code to} (ISO instants), by default the last hour up to now; 400 naming the problem. */
    public static Instant[] period(Map<String, String> query, Instant now) {
        Instant to = instant(query, "to").orElse(now);
        Instant from = instant(query, "from").orElse(to.minus(Duration.ofHours(1)));
        if (!from.isBefore(to)) {
            throw GatewayProblem.of(400, "from must be before to, was from=" + from + " to=" + to);
        }
        if (Duration.between(from, to).compareTo(MAX_PERIOD) > 0) {
            throw GatewayProblem.of(400, "the period from " + from + " to " + to + " is longer than " + MAX_PERIOD + ", the most summarised");
        }
        return new Instant[] {from, to};
    }

    private static Optional<Instant> instant(Map<String, String> query, String name) {
        String v = query.get(name);
        if (v == null || v.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(v.trim()));
        } catch (DateTimeException e) {
            throw GatewayProblem.of(400, "query parameter " + name + " must be an ISO-8601 instant such as 2026-11-24T17:00:00Z, was '" + v + "'");
        }
    }
}
