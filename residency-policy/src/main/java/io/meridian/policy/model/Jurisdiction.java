package io.meridian.policy.model;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A legal area whose data-protection law governs where personal data may go, for example {@code EU}
 * (GDPR), {@code ZA} (POPIA) or {@code US}.
 *
 * <p>The code is two to eight upper-case letters. The law and the transfer bases between jurisdictions
 * live in {@link PolicyRules}, not here, so that a jurisdiction stays a plain key.
 */
public record Jurisdiction(String code) implements Comparable<Jurisdiction> {

    private static final Pattern FORMAT = Pattern.compile("[A-Z]{2,8}");

    public Jurisdiction {
        Objects.requireNonNull(code, "jurisdiction code must not be null");
        if (!FORMAT.matcher(code).matches()) {
            throw new IllegalArgumentException(
                    "jurisdiction code must be 2-8 upper-case letters, was '" + code + "'");
        }
    }

    /** Parses a jurisdiction code; throws {@link IllegalArgumentException} when the text is not one. */
    public static Jurisdiction of(String code) {
        return new Jurisdiction(code);
    }

    @Override
    public int compareTo(Jurisdiction other) {
        return code.compareTo(other.code);
    }

    @Override
    public String toString() {
        return code;
    }
}
