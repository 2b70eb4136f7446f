package io.meridian.compliance;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** What the audit contract calls evidence, computed here independently of the audit engine, to check its findings. */
final class Evidence {

    private Evidence() {
    }

    /** {@code deviceRef}: the first 16 hex characters of SHA-256 over UTF-8 {@code tenant + "\u0000" + deviceId}. */
    static String deviceRef(String tenant, String deviceId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((tenant + "\u0000" + deviceId).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
