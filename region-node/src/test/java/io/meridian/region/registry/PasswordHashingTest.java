package io.meridian.region.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.hono.service.auth.SpringBasedHonoPasswordEncoder;
import org.eclipse.hono.service.management.credentials.CommonCredential;
import org.eclipse.hono.service.management.credentials.PasswordCredential;
import org.eclipse.hono.service.management.credentials.PasswordSecret;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What Hono's credentials check does to incoming secrets in this registry, and what the store accepts. */
class PasswordHashingTest {

    private static Vertx vertx;
    private static CassandraCredentialsManagementService service;

    @BeforeAll
    static void service() {
        vertx = Vertx.vertx();
        service = new CassandraCredentialsManagementService(vertx, null, new SpringBasedHonoPasswordEncoder(4), 10);
    }

    @AfterAll
    static void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static PasswordCredential password(PasswordSecret secret) {
        return new PasswordCredential("sensor-1", List.of(secret));
    }

    @Test
    void plainPassword_isReplacedByABcryptHash() {
        List<CommonCredential> checked = service.hashAndCheck(List.of(password(new PasswordSecret().setPasswordPlain("s3cret"))));
        PasswordSecret secret = ((PasswordCredential) checked.get(0)).getSecrets().get(0);
        assertNull(secret.getPasswordPlain());
        assertEquals("bcrypt", secret.getHashFunction());
        assertTrue(secret.getPasswordHash().startsWith("$2"), secret.getPasswordHash());
        JsonObject stored = new JsonObject().put("hash-function", secret.getHashFunction()).put("pwd-hash", secret.getPasswordHash());
        assertTrue(new SpringBasedHonoPasswordEncoder(4).matches("s3cret", stored));
        assertFalse(RegistryJson.writeCredentials(checked).contains("s3cret"));
    }

    @Test
    void preHashedSha256AndSha512_areAccepted() {
        for (String function : List.of("sha-256", "sha-512")) {
            PasswordSecret s = new PasswordSecret().setHashFunction(function)
                    .setPasswordHash(Base64.getEncoder().encodeToString(new byte[32])).setSalt(Base64.getEncoder().encodeToString(new byte[8]));
            List<CommonCredential> checked = service.hashAndCheck(List.of(password(s)));
            assertEquals(function, ((PasswordCredential) checked.get(0)).getSecrets().get(0).getHashFunction());
        }
    }

    @Test
    void otherHashFunctions_areRefused() {
        PasswordSecret md5 = new PasswordSecret().setHashFunction("md5").setPasswordHash(Base64.getEncoder().encodeToString(new byte[16]));
        assertThrows(IllegalStateException.class, () -> service.hashAndCheck(List.of(password(md5))));
    }

    @Test
    void bcryptAboveTheCostLimit_isRefused() {
        String cost12 = new org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder(12).encode("x");
        PasswordSecret s = new PasswordSecret().setHashFunction("bcrypt").setPasswordHash(cost12);
        assertThrows(IllegalStateException.class, () -> service.hashAndCheck(List.of(password(s))));
    }

    @Test
    void store_refusesAPlaintextPassword() {
        PasswordCredential plain = password(new PasswordSecret().setPasswordPlain("leak"));
        assertThrows(IllegalStateException.class, () -> RegistryJson.writeCredentials(List.of(plain)));
    }
}
