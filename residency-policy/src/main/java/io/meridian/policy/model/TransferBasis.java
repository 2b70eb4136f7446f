package io.meridian.policy.model;

/**
 * The legal basis on which personal-data-derived content may go from one jurisdiction to another, as
 * recorded in the jurisdiction table. This is configuration, not legal advice.
 */
public enum TransferBasis {
    /** The source jurisdiction's law places no restriction on transfers to the destination. */
    NOT_RESTRICTED,
    /** The source jurisdiction recognises the destination as adequate. */
    ADEQUACY,
    /**
     * Transfers need contractual safeguards (standard contractual clauses or the local equivalent). A
     * tenant must declare them in place for that destination.
     */
    SCCS_REQUIRED,
    /** There is no usable basis: nothing derived from personal data may go. */
    NONE
}
