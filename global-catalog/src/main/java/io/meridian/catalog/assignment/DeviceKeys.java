package io.meridian.catalog.assignment;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The catalog's pseudonyms for devices: it is replicated to every region, so it never stores a device id.
 * A device is keyed by {@code <key id>:<HMAC-SHA-256(key, tenant, device id)>}, hex. The key comes from
 * configuration and is rotatable: new entries use the current key, and a lookup tries every configured key
 * ({@link #candidates}) until the old entries are re-keyed. No key appears in {@link #toString()} or any message.
 * Thread-safe.
 */
public final class DeviceKeys {

    /** The shortest key accepted: HMAC-SHA-256's block of entropy. */
    public static final int MIN_KEY_BYTES = 32;
    private static final Pattern KEY_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private final String current;
    private final Map<String, SecretKeySpec> keys;

    /**
     * @param currentKeyId the key new pseudonyms use
     * @param keys         key id to key bytes, at least {@value #MIN_KEY_BYTES} bytes each
     * @throws IllegalArgumentException when the current key is not among the keys, a key id is not 1-32 of
     *                                  {@code a-z0-9-}, or a key is too short (the message names the id, never the key)
     */
    public DeviceKeys(String currentKeyId, Map<String, byte[]> keys) {
        Objects.requireNonNull(currentKeyId, "currentKeyId must not be null");
        Objects.requireNonNull(keys, "keys must not be null");
        Map<String, SecretKeySpec> specs = new LinkedHashMap<>();
        keys.forEach((id, bytes) -> {
            if (id == null || !KEY_ID.matcher(id).matches()) {
                throw new IllegalArgumentException("catalog key ids must be 1-32 of a-z, 0-9 and -, was '" + id + "'");
            }
            if (bytes == null || bytes.length < MIN_KEY_BYTES) {
                throw new IllegalArgumentException("catalog key " + id + " must be at least " + MIN_KEY_BYTES + " bytes, was "
                        + (bytes == null ? 0 : bytes.length));
            }
            specs.put(id, new SecretKeySpec(bytes.clone(), "HmacSHA256"));
        });
        if (!specs.containsKey(currentKeyId)) {
            throw new IllegalArgumentException("the current catalog key " + currentKeyId + " must be one of the configured keys "
                    + specs.keySet());
        }
        this.current = currentKeyId;
        this.keys = Map.copyOf(specs);
    }

    /** The pseudonym of a device under the current key. */
    public String pseudonym(String tenantId, String deviceId) {
        return pseudonym(current, tenantId, deviceId);
    }

    /** The device's pseudonyms under every configured key, the current one first: what a lookup tries. */
    public List<String> candidates(String tenantId, String deviceId) {
        List<String> out = new ArrayList<>(keys.size());
        out.add(pseudonym(current, tenantId, deviceId));
        keys.keySet().stream().filter(id -> !id.equals(current)).sorted().forEach(id -> out.add(pseudonym(id, tenantId, deviceId)));
        return out;
    }

    /** Whether a stored pseudonym was made with an older key (so it should be re-keyed). */
    public boolean isStale(String pseudonym) {
        return !pseudonym.startsWith(current + ":");
    }

    private String pseudonym(String keyId, String tenantId, String deviceId) {
        Objects.requireNonNull(tenantId, "tenantId must not be null");
        Objects.requireNonNull(deviceId, "deviceId must not be null");
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(keys.get(keyId));
            // length-prefixed, so that ("ab", "c") and ("a", "bc") never collide
            byte[] t = tenantId.getBytes(StandardCharsets.UTF_8);
            byte[] d = deviceId.getBytes(StandardCharsets.UTF_8);
            mac.update((t.length + ":").getBytes(StandardCharsets.US_ASCII));
            mac.update(t);
            mac.update((d.length + ":").getBytes(StandardCharsets.US_ASCII));
            mac.update(d);
            return keyId + ":" + HexFormat.of().formatHex(mac.doFinal());
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 must be available in every Java runtime", e);
        }
    }

    /**
     * Seals a device id for the catalog's short-lived repair journal, the one place the catalog must be able to
     * name a device again (to undo a half-done registration in a region). AES-256-GCM under a key derived from the
     * current catalog key, bound to the tenant; the id never rests in plain text.
     */
    public byte[] seal(String tenantId, String deviceId) {
        Objects.requireNonNull(tenantId, "tenantId must not be null");
        Objects.requireNonNull(deviceId, "deviceId must not be null");
        try {
            byte[] iv = new byte[12];
            RANDOM.nextBytes(iv);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, sealingKey(current), new GCMParameterSpec(128, iv));
            cipher.updateAAD(tenantId.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(deviceId.getBytes(StandardCharsets.UTF_8));
            byte[] id = current.getBytes(StandardCharsets.US_ASCII);
            java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(1 + id.length + iv.length + sealed.length);
            out.put((byte) id.length).put(id).put(iv).put(sealed);
            return out.array();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM must be available in every Java runtime", e);
        }
    }

    /**
     * Opens what {@link #seal} sealed for this tenant.
     *
     * @throws IllegalArgumentException when the blob is malformed, was sealed under a key no longer configured,
     *                                  or for another tenant (the message names neither key nor device)
     */
    public String open(String tenantId, byte[] sealed) {
        Objects.requireNonNull(tenantId, "tenantId must not be null");
        Objects.requireNonNull(sealed, "sealed must not be null");
        try {
            java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(sealed);
            int idLength = in.get();
            if (idLength < 1 || idLength > 32 || in.remaining() < idLength + 12 + 16) {
                throw new IllegalArgumentException("a sealed device reference is malformed");
            }
            byte[] id = new byte[idLength];
            in.get(id);
            String keyId = new String(id, StandardCharsets.US_ASCII);
            if (!keys.containsKey(keyId)) {
                throw new IllegalArgumentException("a sealed device reference names catalog key " + keyId + ", which is not configured");
            }
            byte[] iv = new byte[12];
            in.get(iv);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, sealingKey(keyId), new GCMParameterSpec(128, iv));
            cipher.updateAAD(tenantId.getBytes(StandardCharsets.UTF_8));
            byte[] plain = cipher.doFinal(sealed, in.position(), in.remaining());
            return new String(plain, StandardCharsets.UTF_8);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new IllegalArgumentException("a sealed device reference does not open for tenant " + tenantId);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("a sealed device reference is malformed");
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM must be available in every Java runtime", e);
        }
    }

    private SecretKeySpec sealingKey(String keyId) throws java.security.GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(keys.get(keyId));
        // a separate key for sealing, derived from the catalog key, so pseudonyms and sealed ids never share a key
        return new SecretKeySpec(mac.doFinal("meridian-catalog-device-ref-v1".getBytes(StandardCharsets.US_ASCII)), "AES");
    }

    @Override
    public String toString() {
        return "DeviceKeys[current=" + current + ", keys=" + keys.keySet() + "]";
    }
}
