package io.meridian.policy;

import io.meridian.policy.TransferRequest.Cell;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * The engine's answer to a {@link TransferRequest}. A decision is a value: a refusal is a
 * {@link Outcome#DENY}, never an exception.
 *
 * <p>{@code rules} are the rules that decided: for {@code ALLOW} the rules that granted the request, for
 * {@code DENY} the rule that refused it (or, when every cell was suppressed, the rules that suppressed
 * them), for {@code PARTIAL} the granting request rules followed by the rules that suppressed cells.
 *
 * @param id                      unique, time-ordered (UUID version 7)
 * @param time                    when the decision was made, to the millisecond
 * @param request                 what was asked
 * @param outcome                 the outcome
 * @param rules                   the deciding rules, never empty
 * @param released                for {@code AGGREGATE}, the cells that may go, in request order; empty
 *                                for other categories and for {@code DENY}
 * @param suppressed              the cells that must not go, each with the first rule it failed, in request order
 * @param suppressedCounts        how many cells each rule suppressed; only non-zero counts
 * @param policyRevision          {@link io.meridian.policy.model.PolicyRules#revision()} of the rules applied
 * @param tenantPolicyFingerprint the fingerprint of the tenant policy applied
 * @param errors                  the evaluation errors, for {@code E} rules; otherwise empty
 */
public record Decision(
        UUID id,
        Instant time,
        TransferRequest request,
        Outcome outcome,
        List<Rule> rules,
        List<Cell> released,
        List<SuppressedCell> suppressed,
        Map<Rule, Integer> suppressedCounts,
        String policyRevision,
        String tenantPolicyFingerprint,
        List<String> errors) {

    /** A cell that may not go, and the rule that stopped it. */
    public record SuppressedCell(String cellKey, Rule rule) {
        public SuppressedCell {
            Objects.requireNonNull(cellKey, "cellKey must not be null");
            Objects.requireNonNull(rule, "rule must not be null");
            if (!rule.isCellRule()) {
                throw new IllegalArgumentException("suppressing rule must be a cell rule (A4-A9), was " + rule.id());
            }
        }
    }

    /**
     * Validates and copies.
     *
     * @throws NullPointerException     when an argument is null
     * @throws IllegalArgumentException when no rule is given, a {@code DENY} releases cells, an
     *                                  {@code ALLOW} suppresses cells, or counts disagree with the
     *                                  suppressed cells
     */
    public Decision {
        Objects.requireNonNull(id, "id must not be null");
        Objects.requireNonNull(time, "time must not be null");
        Objects.requireNonNull(request, "request must not be null");
        Objects.requireNonNull(outcome, "outcome must not be null");
        rules = List.copyOf(rules);
        released = List.copyOf(released);
        suppressed = List.copyOf(suppressed);
        suppressedCounts = suppressedCounts.isEmpty()
                ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(suppressedCounts));
        Objects.requireNonNull(policyRevision, "policyRevision must not be null");
        Objects.requireNonNull(tenantPolicyFingerprint, "tenantPolicyFingerprint must not be null");
        errors = List.copyOf(errors);
        if (rules.isEmpty()) {
            throw new IllegalArgumentException("rules must name at least one deciding rule, was " + rules);
        }
        if (outcome == Outcome.DENY && !released.isEmpty()) {
            throw new IllegalArgumentException("a DENY must release no cells, was " + released.size());
        }
        if (outcome == Outcome.ALLOW && !suppressed.isEmpty()) {
            throw new IllegalArgumentException("an ALLOW must suppress no cells, was " + suppressed.size());
        }
        int counted = 0;
        for (int n : suppressedCounts.values()) {
            counted += n;
        }
        if (counted != suppressed.size()) {
            throw new IllegalArgumentException("suppressedCounts must add up to the " + suppressed.size()
                    + " suppressed cells, was " + suppressedCounts);
        }
    }

    /** The ids of {@link #rules()}, in order. */
    public List<String> ruleIds() {
        return rules.stream().map(Rule::id).toList();
    }

    /** Whether anything may go: {@code ALLOW} or {@code PARTIAL}. */
    public boolean permits() {
        return outcome != Outcome.DENY;
    }

    /** A summary without cell contents. */
    @Override
    public String toString() {
        return "Decision[id=" + id + ", time=" + time + ", outcome=" + outcome + ", rules=" + ruleIds()
                + ", category=" + request.category() + ", " + request.source() + " -> "
                + request.destinationJurisdiction() + request.destinationRegion().map(r -> "/" + r).orElse("")
                + ", released=" + released.size() + ", suppressed=" + suppressedCounts
                + ", revision=" + policyRevision + ", errors=" + errors + "]";
    }
}
