package io.meridian.region.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The audit's names for things it must not show: a device ({@code deviceRef}) and an aggregate cell ({@code cellRef}),
 * each the first 16 hex characters of a SHA-256, as the audit contract defines them. An auditor who knows a device id
 * can recompute its reference; nobody can read the id back out of one.
 */
public final class Refs {

    private Refs() {
    }

    /** SHA-256 over UTF-8 {@code tenant + "\u0000" + deviceId}, first 16 hex characters. */
    public static String deviceRef(String tenantId, String deviceId) {
        Objects.requireNonNull(tenantId, "tenantId must not be null");
        Objects.requireNonNull(deviceId, "deviceId must not be null");
        return sha256(tenantId + "\u0000" + deviceId).substring(0, 16);
    }

    /** SHA-256 over the UTF-8 cell key as the region's aggregate answer names it, first 16 hex characters. */
    public static String cellRef(String cellKey) {
        Objects.requireNonNull(cellKey, "cellKey must not be null");
        return sha256(cellKey).substring(0, 16);
    }

    static String sha256(String text) {
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 must be available in every Java runtime", e);
        }
    }
}
