package io.meridian.policy;

import java.util.Objects;

/**
 * The rules of the residency engine. Ids are stable: they are written into decisions and decision
 * records, so an id is never reused for a different check.
 *
 * <p>{@code E} rules are evaluation errors (always {@link Outcome#DENY}), {@code R} governs raw
 * categories, {@code O} operational and audit data, {@code A} aggregates ({@code A1}-{@code A3} per
 * request, {@code A4}-{@code A9} per cell).
 */
public enum Rule {
    SOURCE_REGION_DEFINED("E1", "the source region must be defined in the policy rules"),
    DESTINATION_JURISDICTION_DEFINED("E2", "the destination jurisdiction must be defined in the policy rules"),
    TENANT_POLICY_MATCHES("E3", "the tenant policy must belong to the request's tenant"),
    DESTINATION_REGION_CONSISTENT("E4", "a named destination region must be defined and lie in the destination jurisdiction"),
    EVALUATION_FAILED("E5", "evaluation failed unexpectedly, so the request is denied"),
    RAW_STAYS_IN_REGION("R1", "raw categories go only to the region that stores them"),
    NON_PERSONAL_NEEDS_BASIS("O1", "operational and audit data may go to any jurisdiction whose transfer basis is not NONE"),
    EXPORT_DESTINATION_ALLOWED("A1", "an aggregate may leave its jurisdiction only for a destination the tenant allows"),
    TRANSFER_BASIS_PRESENT("A2", "the jurisdiction table must give a transfer basis other than NONE"),
    SCCS_DECLARED("A3", "where the basis is SCCS_REQUIRED the tenant must declare SCCs in place for the destination"),
    CELL_MIN_DEVICES("A4", "a cell must cover at least k distinct devices"),
    CELL_MIN_WINDOW("A5", "a cell's window must be no finer than the minimum window"),
    CELL_MAX_PRECISION("A6", "a cell's location must be no finer than the maximum geohash precision"),
    CELL_IDENTIFIER_LABEL("A7", "a cell must not carry a label whose key is an identifier"),
    CELL_LABEL_NOT_ALLOWED("A8", "a cell may carry only labels on the tenant's allow-list"),
    CELL_IDENTIFIER_VALUE("A9", "a cell must not carry a label value that looks like an identifier or is a device id of the tenant");

    private final String id;
    private final String description;

    Rule(String id, String description) {
        this.id = id;
        this.description = description;
    }

    /** The stable id, for example {@code A4}. */
    public String id() {
        return id;
    }

    /** One line saying what the rule checks. */
    public String description() {
        return description;
    }

    /** Whether this rule suppresses single cells of an aggregate rather than deciding a whole request. */
    public boolean isCellRule() {
        return ordinal() >= CELL_MIN_DEVICES.ordinal();
    }

    /**
     * The rule with the given id.
     *
     * @throws IllegalArgumentException when no rule has that id
     */
    public static Rule byId(String id) {
        Objects.requireNonNull(id, "rule id must not be null");
        for (Rule rule : values()) {
            if (rule.id.equals(id)) {
                return rule;
            }
        }
        throw new IllegalArgumentException("rule id must be one of E1-E5, R1, O1, A1-A9, was '" + id + "'");
    }
}
