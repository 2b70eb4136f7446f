package io.meridian.policy.model;

/**
 * What kind of data a transfer carries. The category, not the caller, decides which rules apply.
 */
public enum DataCategory {
    /** Device measurements. Raw and personal: never leaves the region that stores it. */
    TELEMETRY(true),
    /** Device events. Raw and personal. */
    EVENT(true),
    /** Positions of devices, and so of people. Raw and personal. */
    LOCATION(true),
    /** Device ids, names and labels. Raw and personal. */
    DEVICE_IDENTITY(true),
    /** Device secrets and certificates. Raw and personal. */
    CREDENTIAL(true),
    /** Names, e-mails and accounts of people. Raw and personal. */
    USER_IDENTITY(true),
    /** Anonymous statistics over windows and groups, checked cell by cell before it may leave. */
    AGGREGATE(false),
    /** Counts and health without identifiers. */
    OPERATIONAL(false),
    /** Decision records: hashes and counts, never payload values. */
    AUDIT(false);

    private final boolean raw;

    DataCategory(boolean raw) {
        this.raw = raw;
    }

    /** Whether this category is raw, personal data that must stay in the region that stores it. */
    public boolean isRaw() {
        return raw;
    }
}
