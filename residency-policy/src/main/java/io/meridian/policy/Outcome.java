package io.meridian.policy;

/** The outcome of a residency decision. */
public enum Outcome {
    /** Everything asked for may go. */
    ALLOW,
    /** Nothing may go. */
    DENY,
    /** Some cells of an aggregate may go; the others are suppressed and counted. */
    PARTIAL
}
