package io.meridian.policy;

import io.meridian.policy.internal.PolicyEngine;
import io.meridian.policy.model.PolicyRules;
import io.meridian.policy.model.TenantResidencyPolicy;
import java.time.Clock;

/**
 * The residency engine: decides whether data may leave the region that stores it. See the module
 * README for the rules.
 *
 * <p>Implementations are pure and thread-safe: a decision depends only on the rules, the request, the
 * tenant policy and the clock.
 */
public interface ResidencyPolicy {

    /**
     * Decides a request under a tenant's policy. Any problem found while evaluating (an unknown region
     * or jurisdiction, a policy of another tenant, an unexpected failure) yields a {@link Outcome#DENY}
     * with an {@code E} rule and the error text, never an exception.
     *
     * @param request not null
     * @param tenant  the policy of the request's tenant; not null
     * @throws NullPointerException only when an argument is null, so that nothing can be evaluated
     */
    Decision decide(TransferRequest request, TenantResidencyPolicy tenant);

    /** The rules this engine applies. */
    PolicyRules rules();

    /**
     * An engine over the given rules, taking decision times from the clock.
     *
     * @throws NullPointerException when an argument is null
     */
    static ResidencyPolicy of(PolicyRules rules, Clock clock) {
        return new PolicyEngine(rules, clock);
    }

    /** An engine over the given rules with the UTC system clock. */
    static ResidencyPolicy of(PolicyRules rules) {
        return of(rules, Clock.systemUTC());
    }
}
