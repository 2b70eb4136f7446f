package io.meridian.gateway;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.meridian.auth.TokenValidator;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;

/** Locally signed realm tokens and a validator over an in-memory JWK set, as service-auth's TokenValidatorTest does. */
public final class TestTokens {

    public static final String ISSUER = "http://127.0.0.1:18080/realms/meridian";
    public static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");

    private final RSAKey realmKey;
    private final RSAKey otherKey;

    public TestTokens() {
        try {
            realmKey = new RSAKeyGenerator(2048).keyID("realm").generate();
            otherKey = new RSAKeyGenerator(2048).keyID("realm").generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Validates against the realm key only, at {@link #NOW}. */
    public TokenValidator validator() {
        return new TokenValidator(new ImmutableJWKSet<>(new JWKSet(realmKey.toPublicJWK())), ISSUER, "meridian", Clock.fixed(NOW, ZoneOffset.UTC));
    }

    /** Valid claims of a user of {@code tenant} (null for none) with {@code roles}. */
    public static JWTClaimsSet.Builder user(String tenant, String... roles) {
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder().issuer(ISSUER).audience("meridian").subject("user-1").claim("azp", "meridian-cli")
                .expirationTime(Date.from(NOW.plusSeconds(300))).claim("realm_access", Map.of("roles", List.of(roles)));
        return tenant == null ? b : b.claim("tenant", tenant);
    }

    public String sign(JWTClaimsSet claims) {
        return sign(claims, realmKey);
    }

    /** Signed with a key of the same kid that the realm does not publish: a forged token. */
    public String forge(JWTClaimsSet claims) {
        return sign(claims, otherKey);
    }

    private static String sign(JWTClaimsSet claims, RSAKey key) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
