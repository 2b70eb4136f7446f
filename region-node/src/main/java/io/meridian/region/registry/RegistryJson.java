package io.meridian.region.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.json.jackson.DatabindCodec;
import java.util.List;
import org.eclipse.hono.service.management.credentials.CommonCredential;
import org.eclipse.hono.service.management.credentials.PasswordCredential;
import org.eclipse.hono.service.management.credentials.PasswordSecret;

/**
 * How Hono's management model classes are stored: as the JSON that Hono's own endpoints read and write,
 * through the same Jackson mapper (Vert.x's {@link DatabindCodec}).
 */
final class RegistryJson {

    private static final TypeReference<List<CommonCredential>> CREDENTIALS = new TypeReference<>() { };

    private RegistryJson() {
    }

    private static ObjectMapper mapper() {
        return DatabindCodec.mapper();
    }

    static String write(Object value) {
        try {
            return mapper().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    static <T> T read(String json, Class<T> type) {
        try {
            return mapper().readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored " + type.getSimpleName() + " is not valid JSON", e);
        }
    }

    /**
     * Serialises credentials for storage.
     *
     * @throws IllegalStateException if a password secret still carries a plaintext password: plaintext is
     *                               hashed before this point and must never be stored
     */
    static String writeCredentials(List<CommonCredential> credentials) {
        for (CommonCredential c : credentials) {
            if (c instanceof PasswordCredential p) {
                for (PasswordSecret s : p.getSecrets()) {
                    if (s.getPasswordPlain() != null) {
                        throw new IllegalStateException("a plaintext password reached the store for auth-id " + c.getAuthId());
                    }
                }
            }
        }
        try {
            return mapper().writerFor(CREDENTIALS).writeValueAsString(credentials);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise credentials", e);
        }
    }

    /** Serialises one credential (already checked by {@link #writeCredentials}) for the auth-id lookup. */
    static String writeCredential(CommonCredential credential) {
        return writeCredentials(List.of(credential));
    }

    static List<CommonCredential> readCredentials(String json) {
        try {
            return mapper().readValue(json, CREDENTIALS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored credentials are not valid JSON", e);
        }
    }
}
