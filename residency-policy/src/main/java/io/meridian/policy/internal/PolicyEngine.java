package io.meridian.policy.internal;

import io.meridian.policy.Decision;
import io.meridian.policy.Decision.SuppressedCell;
import io.meridian.policy.Outcome;
import io.meridian.policy.ResidencyPolicy;
import io.meridian.policy.Rule;
import io.meridian.policy.TransferRequest;
import io.meridian.policy.TransferRequest.Cell;
import io.meridian.policy.model.ExportPolicy;
import io.meridian.policy.model.Identifiers;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.PolicyDefaults;
import io.meridian.policy.model.PolicyRules;
import io.meridian.policy.model.RegionId;
import io.meridian.policy.model.TenantResidencyPolicy;
import io.meridian.policy.model.TransferBasis;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The residency engine behind {@link ResidencyPolicy#of}. Immutable after construction, so thread-safe.
 * The rules are documented on {@link Rule} and in the module README; this class applies them in this
 * order: E1, E2, E3, E4, then by category R1, or O1, or A1, A2, A3 and per cell A4 to A9 (a cell is
 * suppressed by the first cell rule it fails).
 */
public final class PolicyEngine implements ResidencyPolicy {

    private static final String GEOHASH_LABEL = "geohash";
    private static final List<Rule> R1 = List.of(Rule.RAW_STAYS_IN_REGION);
    private static final List<Rule> O1 = List.of(Rule.NON_PERSONAL_NEEDS_BASIS);
    private static final List<Rule> GRANTED = List.of(Rule.EXPORT_DESTINATION_ALLOWED, Rule.TRANSFER_BASIS_PRESENT);
    private static final List<Rule> GRANTED_WITH_SCCS =
            List.of(Rule.EXPORT_DESTINATION_ALLOWED, Rule.TRANSFER_BASIS_PRESENT, Rule.SCCS_DECLARED);
    private static final Rule[] RULES = Rule.values();

    private final PolicyRules rules;
    private final Clock clock;
    private final String revision;
    private final PolicyDefaults defaults;
    private final Map<RegionId, Jurisdiction> regions;

    public PolicyEngine(PolicyRules rules, Clock clock) {
        this.rules = Objects.requireNonNull(rules, "rules must not be null");
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
        this.revision = rules.revision();
        this.defaults = rules.defaults();
        this.regions = new HashMap<>(rules.regions());
    }

    @Override
    public PolicyRules rules() {
        return rules;
    }

    @Override
    public Decision decide(TransferRequest request, TenantResidencyPolicy tenant) {
        Objects.requireNonNull(request, "request must not be null");
        Objects.requireNonNull(tenant, "tenant policy must not be null");
        Instant time = Instant.ofEpochMilli(clock.millis());
        try {
            return evaluate(request, tenant, time);
        } catch (RuntimeException e) {
            return error(request, tenant, time, Rule.EVALUATION_FAILED,
                    "evaluation failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private Decision evaluate(TransferRequest request, TenantResidencyPolicy tenant, Instant time) {
        RegionId source = request.source();
        Jurisdiction sourceJurisdiction = regions.get(source);
        if (sourceJurisdiction == null) {
            return error(request, tenant, time, Rule.SOURCE_REGION_DEFINED,
                    "source region must be defined " + regions.keySet() + ", was " + source);
        }
        Jurisdiction destination = request.destinationJurisdiction();
        if (!rules.knows(destination)) {
            return error(request, tenant, time, Rule.DESTINATION_JURISDICTION_DEFINED,
                    "destination jurisdiction must be defined " + rules.laws().keySet() + ", was " + destination);
        }
        if (!tenant.tenantId().equals(request.tenantId())) {
            return error(request, tenant, time, Rule.TENANT_POLICY_MATCHES,
                    "tenant policy must be of tenant " + request.tenantId() + ", was of " + tenant.tenantId());
        }
        Optional<RegionId> destinationRegion = request.destinationRegion();
        if (destinationRegion.isPresent()) {
            Jurisdiction regionJurisdiction = regions.get(destinationRegion.get());
            if (!destination.equals(regionJurisdiction)) {
                return error(request, tenant, time, Rule.DESTINATION_REGION_CONSISTENT,
                        "destination region " + destinationRegion.get() + " must lie in destination jurisdiction "
                                + destination + ", was in " + (regionJurisdiction == null ? "no defined jurisdiction"
                                : regionJurisdiction));
            }
        }
        if (request.category().isRaw()) {
            boolean sameRegion = destinationRegion.isPresent() && destinationRegion.get().equals(source);
            return simple(request, tenant, time, sameRegion ? Outcome.ALLOW : Outcome.DENY, R1);
        }
        switch (request.category()) {
            case OPERATIONAL, AUDIT -> {
                TransferBasis basis = rules.basis(sourceJurisdiction, destination);
                return simple(request, tenant, time, basis == TransferBasis.NONE ? Outcome.DENY : Outcome.ALLOW, O1);
            }
            case AGGREGATE -> {
                return aggregate(request, tenant, time, sourceJurisdiction, destination);
            }
            default -> throw new IllegalStateException("category must be handled, was " + request.category());
        }
    }

    private Decision aggregate(TransferRequest request, TenantResidencyPolicy tenant, Instant time,
            Jurisdiction sourceJurisdiction, Jurisdiction destination) {
        ExportPolicy export = tenant.export();
        if (!sourceJurisdiction.equals(destination) && !export.allowedDestinations().contains(destination)) {
            return simple(request, tenant, time, Outcome.DENY, List.of(Rule.EXPORT_DESTINATION_ALLOWED));
        }
        TransferBasis basis = rules.basis(sourceJurisdiction, destination);
        if (basis == TransferBasis.NONE) {
            return simple(request, tenant, time, Outcome.DENY, List.of(Rule.TRANSFER_BASIS_PRESENT));
        }
        List<Rule> granted = GRANTED;
        if (basis == TransferBasis.SCCS_REQUIRED) {
            if (!export.sccsInPlace().contains(destination)) {
                return simple(request, tenant, time, Outcome.DENY, List.of(Rule.SCCS_DECLARED));
            }
            granted = GRANTED_WITH_SCCS;
        }

        long k = export.effectiveMinDistinctDevices(defaults);
        Duration minWindow = export.effectiveMinWindow(defaults);
        int maxPrecision = export.effectiveMaxGeohashPrecision(defaults);
        Set<String> allowedLabels = export.allowedLabels();

        List<Cell> cells = request.cells();
        List<Cell> released = new ArrayList<>(cells.size());
        List<SuppressedCell> suppressed = null;
        int[] counts = null;
        for (Cell cell : cells) {
            Rule failed = check(cell, k, minWindow, maxPrecision, allowedLabels);
            if (failed == null) {
                released.add(cell);
            } else {
                if (suppressed == null) {
                    suppressed = new ArrayList<>();
                    counts = new int[RULES.length];
                }
                suppressed.add(new SuppressedCell(cell.key(), failed));
                counts[failed.ordinal()]++;
            }
        }
        if (suppressed == null) {
            return new Decision(DecisionIds.next(time.toEpochMilli()), time, request, Outcome.ALLOW, granted,
                    released, List.of(), Map.of(), revision, tenant.fingerprint(), List.of());
        }
        Map<Rule, Integer> suppressedCounts = new EnumMap<>(Rule.class);
        List<Rule> suppressing = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] > 0) {
                suppressedCounts.put(RULES[i], counts[i]);
                suppressing.add(RULES[i]);
            }
        }
        Outcome outcome;
        List<Rule> deciding;
        if (released.isEmpty()) {
            outcome = Outcome.DENY;
            deciding = suppressing;
        } else {
            outcome = Outcome.PARTIAL;
            deciding = new ArrayList<>(granted);
            deciding.addAll(suppressing);
        }
        return new Decision(DecisionIds.next(time.toEpochMilli()), time, request, outcome, deciding,
                released, suppressed, suppressedCounts, revision, tenant.fingerprint(), List.of());
    }

    /** The first cell rule the cell fails, or null when it may go. */
    private static Rule check(Cell cell, long k, Duration minWindow, int maxPrecision, Set<String> allowedLabels) {
        if (cell.distinctDevices() < k) {
            return Rule.CELL_MIN_DEVICES;
        }
        if (cell.window().compareTo(minWindow) < 0) {
            return Rule.CELL_MIN_WINDOW;
        }
        if (cell.geohashPrecision().isPresent() && cell.geohashPrecision().getAsInt() > maxPrecision) {
            return Rule.CELL_MAX_PRECISION;
        }
        // Label order is unspecified, so look at every label and report the lowest-numbered rule failed:
        // the decision must not depend on iteration order.
        Rule failed = null;
        for (Map.Entry<String, String> label : cell.labels().entrySet()) {
            Rule rule = checkLabel(label.getKey(), label.getValue(), maxPrecision, allowedLabels);
            if (rule != null && (failed == null || rule.ordinal() < failed.ordinal())) {
                failed = rule;
            }
        }
        // A9 is the highest-numbered label rule, so any other label failure wins over it. The caller flags
        // a value that equals one of the tenant's device ids: the engine has no registry of its own.
        if (failed == null && cell.labelNamesDevice() && !cell.labels().isEmpty()) {
            return Rule.CELL_IDENTIFIER_VALUE;
        }
        return failed;
    }

    private static Rule checkLabel(String key, String value, int maxPrecision, Set<String> allowedLabels) {
        if (!allowedLabels.contains(key)) {
            return Identifiers.isIdentifierKey(key) ? Rule.CELL_IDENTIFIER_LABEL : Rule.CELL_LABEL_NOT_ALLOWED;
        }
        if (GEOHASH_LABEL.equals(key) && value.length() > maxPrecision) {
            return Rule.CELL_MAX_PRECISION;
        }
        if (Identifiers.looksLikeIdentifier(value)) {
            return Rule.CELL_IDENTIFIER_VALUE;
        }
        return null;
    }

    private Decision simple(TransferRequest request, TenantResidencyPolicy tenant, Instant time, Outcome outcome,
            List<Rule> deciding) {
        return new Decision(DecisionIds.next(time.toEpochMilli()), time, request, outcome, deciding, List.of(),
                List.of(), Map.of(), revision, tenant.fingerprint(), List.of());
    }

    private Decision error(TransferRequest request, TenantResidencyPolicy tenant, Instant time, Rule rule,
            String message) {
        return new Decision(DecisionIds.next(time.toEpochMilli()), time, request, Outcome.DENY, List.of(rule),
                List.of(), List.of(), Map.of(), revision, tenant.fingerprint(), List.of(message));
    }
}
