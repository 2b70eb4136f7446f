package io.meridian.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TokenValidatorTest {

    private static final String ISSUER = "http://127.0.0.1:18080/realms/meridian";
    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    private static RSAKey realmKey;
    private static RSAKey otherKey;

    private final TokenValidator validator = new TokenValidator(new ImmutableJWKSet<>(new JWKSet(realmKey.toPublicJWK())),
            ISSUER, "meridian", Clock.fixed(NOW, ZoneOffset.UTC));

    @BeforeAll
    static void keys() throws JOSEException {
        realmKey = new RSAKeyGenerator(2048).keyID("realm").generate();
        otherKey = new RSAKeyGenerator(2048).keyID("realm").generate();
    }

    private static JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder().issuer(ISSUER).audience("meridian").claim("azp", "catalog")
                .expirationTime(Date.from(NOW.plusSeconds(300)));
    }

    private static String sign(JWTClaimsSet claims, RSAKey key) throws JOSEException {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    @Test
    void validToken_yieldsItsClaims() throws Exception {
        assertEquals("catalog", validator.validate(sign(claims().build(), realmKey)).getStringClaim("azp"));
    }

    @Test
    void tokenSignedByAnotherKeyWithTheSameKid_isRefused() throws Exception {
        String token = sign(claims().build(), otherKey);
        assertEquals("the bearer token's signature is not valid",
                assertThrows(TokenValidator.InvalidTokenException.class, () -> validator.validate(token)).getMessage());
    }

    @Test
    void expiredToken_isRefused_beyondTheSkew() throws Exception {
        String justExpired = sign(claims().expirationTime(Date.from(NOW.minus(TokenValidator.CLOCK_SKEW).minusSeconds(1))).build(), realmKey);
        assertThrows(TokenValidator.InvalidTokenException.class, () -> validator.validate(justExpired));
        String withinSkew = sign(claims().expirationTime(Date.from(NOW.minus(Duration.ofSeconds(5)))).build(), realmKey);
        assertEquals(ISSUER, validator.validate(withinSkew).getIssuer());
    }

    @Test
    void tokenWithoutExpiry_isRefused() throws Exception {
        String token = sign(claims().expirationTime(null).build(), realmKey);
        assertThrows(TokenValidator.InvalidTokenException.class, () -> validator.validate(token));
    }

    @Test
    void otherIssuerOrAudience_isRefused() throws Exception {
        String otherIssuer = sign(claims().issuer("http://localhost:18080/realms/meridian").build(), realmKey);
        assertThrows(TokenValidator.InvalidTokenException.class, () -> validator.validate(otherIssuer));
        String otherAudience = sign(claims().audience("account").build(), realmKey);
        assertEquals("the bearer token is not meant for audience meridian",
                assertThrows(TokenValidator.InvalidTokenException.class, () -> validator.validate(otherAudience)).getMessage());
    }

    @Test
    void unreachableSigningKeys_areAServiceProblem_notARefusal() throws Exception {
        TokenValidator keysDown = new TokenValidator((selector, context) -> {
            throw new KeySourceException("connection refused");
        }, ISSUER, "meridian", Clock.fixed(NOW, ZoneOffset.UTC));
        String token = sign(claims().build(), realmKey);
        assertThrows(IllegalStateException.class, () -> keysDown.validate(token));
    }

    @Test
    void tokensWithAnUnknownKeyId_areRefusedEveryTime_evenWhileTheKeySetMayNotBeFetchedAgain() throws Exception {
        // the realm's key set served over HTTP, as Keycloak does, and counted
        java.util.concurrent.atomic.AtomicInteger fetches = new java.util.concurrent.atomic.AtomicInteger();
        com.sun.net.httpserver.HttpServer jwks = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        byte[] body = new JWKSet(realmKey.toPublicJWK()).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        jwks.createContext("/certs", exchange -> {
            fetches.incrementAndGet();
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        jwks.start();
        try {
            TokenValidator remote = new TokenValidator(java.net.URI.create("http://127.0.0.1:" + jwks.getAddress().getPort() + "/certs"), ISSUER,
                    "meridian", Clock.fixed(NOW, ZoneOffset.UTC));
            RSAKey attacker = new RSAKeyGenerator(2048).keyID("attacker").generate();
            for (int i = 0; i < 3; i++) {
                String forged = sign(claims().build(), attacker);
                // the second and third come within the key source's refresh limit: still a refusal, never a 503
                assertThrows(TokenValidator.InvalidTokenException.class, () -> remote.validate(forged), "attempt " + (i + 1));
            }
            assertEquals("catalog", remote.validate(sign(claims().build(), realmKey)).getStringClaim("azp"));
            assertEquals(true, fetches.get() <= 3, "key set fetched " + fetches.get() + " times");
        } finally {
            jwks.stop(0);
        }
    }

    /** A clock that reads the instant the test sets. */
    private static Clock movingClock(AtomicReference<Instant> now) {
        return ((InstantSource) now::get).withZone(ZoneOffset.UTC);
    }

    /** The realm's key, handed out by a source that counts how often a signature needed it. */
    private static final class CountingKeys implements com.nimbusds.jose.jwk.source.JWKSource<com.nimbusds.jose.proc.SecurityContext> {
        final java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public java.util.List<com.nimbusds.jose.jwk.JWK> get(com.nimbusds.jose.jwk.JWKSelector selector,
                com.nimbusds.jose.proc.SecurityContext context) {
            asked.incrementAndGet();
            return selector.select(new JWKSet(realmKey.toPublicJWK()));
        }
    }

    @Test
    void aVerifiedToken_isNotVerifiedAgain_untilItIsForgotten() throws Exception {
        AtomicReference<Instant> now = new AtomicReference<>(NOW);
        CountingKeys keys = new CountingKeys();
        TokenValidator remembering = new TokenValidator(keys, ISSUER, "meridian", movingClock(now));
        String token = sign(claims().expirationTime(Date.from(NOW.plusSeconds(600))).build(), realmKey);
        for (int i = 0; i < 5; i++) {
            assertEquals("catalog", remembering.validate(token).getStringClaim("azp"));
        }
        assertEquals(1, keys.asked.get(), "the signature was checked once for five requests");
        assertEquals(1, remembering.rememberedTokens());
        // after VERIFIED_FOR the signature is checked again
        now.set(NOW.plus(TokenValidator.VERIFIED_FOR).plusSeconds(1));
        remembering.validate(token);
        assertEquals(2, keys.asked.get());
    }

    @Test
    void aRememberedToken_isStillRefusedOnceExpired() throws Exception {
        AtomicReference<Instant> now = new AtomicReference<>(NOW);
        TokenValidator remembering = new TokenValidator(new CountingKeys(), ISSUER, "meridian", movingClock(now));
        String token = sign(claims().expirationTime(Date.from(NOW.plusSeconds(20))).build(), realmKey);
        remembering.validate(token);
        now.set(NOW.plusSeconds(20).plus(TokenValidator.CLOCK_SKEW).plusSeconds(1));
        assertEquals("the bearer token has expired",
                assertThrows(TokenValidator.InvalidTokenException.class, () -> remembering.validate(token)).getMessage());
    }

    @Test
    void aTamperedCopyOfARememberedToken_isVerifiedAndRefused() throws Exception {
        CountingKeys keys = new CountingKeys();
        TokenValidator remembering = new TokenValidator(keys, ISSUER, "meridian", Clock.fixed(NOW, ZoneOffset.UTC));
        String token = sign(claims().build(), realmKey);
        remembering.validate(token);
        // the same header and signature over other claims: only the exact text is remembered
        String[] parts = token.split("\\.");
        String otherClaims = com.nimbusds.jose.util.Base64URL.encode(claims().claim("azp", "gateway-us-east").build().toString()).toString();
        String tampered = parts[0] + "." + otherClaims + "." + parts[2];
        assertEquals("the bearer token's signature is not valid",
                assertThrows(TokenValidator.InvalidTokenException.class, () -> remembering.validate(tampered)).getMessage());
        assertEquals(2, keys.asked.get());
    }

    @Test
    void refusedTokens_areNotRemembered_andTheMemoryIsBounded() throws Exception {
        TokenValidator remembering = new TokenValidator(new CountingKeys(), ISSUER, "meridian", Clock.fixed(NOW, ZoneOffset.UTC), 3);
        String otherAudience = sign(claims().audience("account").build(), realmKey);
        assertThrows(TokenValidator.InvalidTokenException.class, () -> remembering.validate(otherAudience));
        assertEquals(0, remembering.rememberedTokens());
        for (int i = 0; i < 7; i++) {
            remembering.validate(sign(claims().claim("n", i).build(), realmKey));
            assertEquals(true, remembering.rememberedTokens() <= 3, "remembered " + remembering.rememberedTokens());
        }
    }

    @Test
    void notAJwt_isRefused() {
        assertThrows(TokenValidator.InvalidTokenException.class, () -> validator.validate("abc.def"));
    }
}
