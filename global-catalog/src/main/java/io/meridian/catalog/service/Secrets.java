package io.meridian.catalog.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The catalog's secrets: device passwords, bootstrap secrets and enrollment-group secrets. Every one is generated
 * here, 32 random bytes (256 bits), never chosen by a person; so a single SHA-256 is a sound stored form (a
 * password hash's work factor guards low-entropy secrets, which these are not) and keeps a bootstrap to
 * microseconds of CPU. Comparison is constant-time.
 */
public final class Secrets {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int BYTES = 32;

    private Secrets() {
    }

    /** A new secret, base64url without padding (43 characters). */
    public static String generate() {
        byte[] b = new byte[BYTES];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** The stored form of a secret. */
    public static byte[] hash(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 must be available in every Java runtime", e);
        }
    }

    /** Whether a presented secret matches a stored hash, in constant time. */
    public static boolean matches(String presented, byte[] storedHash) {
        if (presented == null || storedHash == null) {
            return false;
        }
        return MessageDigest.isEqual(hash(presented), storedHash);
    }
}
