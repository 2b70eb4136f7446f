package io.meridian.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.MalformedURLException;
import java.net.URI;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Validates a Keycloak access token: its RS256 signature against the realm's published keys (fetched and
 * cached by nimbus-jose-jwt, refetched for an unknown key id), then issuer, expiry and audience.
 * Blocking on a key fetch: call it from a worker thread.
 *
 * <p>A token that passed is remembered by its exact text for {@link #VERIFIED_FOR} (never past its expiry), so the
 * next request that carries it skips the parse and the RSA signature check; issuer, expiry, not-before and audience
 * are still checked on every call. A service that calls a region with one client token for minutes verified its
 * signature on every request before (about a tenth of a gateway's and a region's CPU under aggregate queries). A key
 * withdrawn from the realm stops a remembered token within {@link #VERIFIED_FOR}; the realm's key set itself is
 * cached for longer than that (nimbus's default, five minutes), so this adds no new window. At most
 * {@link #VERIFIED_MAX} tokens are remembered.
 */
public final class TokenValidator {

    private static final int KEY_FETCH_TIMEOUT_MS = 5000;
    private static final int KEY_SET_SIZE_LIMIT = 256 * 1024;

    /** Clock skew tolerated on {@code exp} and {@code nbf}. */
    public static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

    /** How long a verified token's signature is trusted without checking it again. */
    public static final Duration VERIFIED_FOR = Duration.ofSeconds(60);

    /** The most tokens remembered at once; when full, the expired ones go, and if none had, all of them. */
    public static final int VERIFIED_MAX = 4096;

    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final ConcurrentHashMap<String, Verified> verified = new ConcurrentHashMap<>();
    private final int maxRemembered;
    private final String issuer;
    private final String audience;
    private final Clock clock;

    public TokenValidator(URI jwksUri, String issuer, String audience, Clock clock) {
        this(remoteKeys(jwksUri), issuer, audience, clock);
    }

    /** With the signing keys from the given source. */
    public TokenValidator(JWKSource<SecurityContext> keys, String issuer, String audience, Clock clock) {
        this(keys, issuer, audience, clock, VERIFIED_MAX);
    }

    /** As above, remembering at most {@code maxRemembered} verified tokens (tests use a small bound). */
    TokenValidator(JWKSource<SecurityContext> keys, String issuer, String audience, Clock clock, int maxRemembered) {
        if (maxRemembered < 1) {
            throw new IllegalArgumentException("maxRemembered must be at least 1, was " + maxRemembered);
        }
        this.maxRemembered = maxRemembered;
        this.issuer = Objects.requireNonNull(issuer, "issuer must not be null");
        this.audience = Objects.requireNonNull(audience, "audience must not be null");
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, keys));
        // claims are checked below against our own clock
        processor.setJWTClaimsSetVerifier(null);
    }

    private static JWKSource<SecurityContext> remoteKeys(URI jwksUri) {
        try {
            // nimbus's default HTTP timeouts (500 ms) are too tight for a Keycloak on a loaded machine
            return JWKSourceBuilder.<SecurityContext>create(jwksUri.toURL(),
                    new DefaultResourceRetriever(KEY_FETCH_TIMEOUT_MS, KEY_FETCH_TIMEOUT_MS, KEY_SET_SIZE_LIMIT))
                    .retrying(true).build();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("jwksUri must be a URL, was " + jwksUri, e);
        }
    }

    /**
     * Returns the verified claims.
     *
     * @throws InvalidTokenException with a message for the caller when the token must be refused
     * @throws IllegalStateException when the realm's signing keys cannot be fetched (the caller answers 503)
     */
    public JWTClaimsSet validate(String token) {
        Objects.requireNonNull(token, "token must not be null");
        Instant now = clock.instant();
        Verified known = verified.get(token);
        if (known != null && now.isBefore(known.until())) {
            return check(known.claims(), now);
        }
        JWTClaimsSet claims = check(verifySignature(token), now);
        remember(token, claims, now);
        return claims;
    }

    /** How many verified tokens are remembered now (for tests and metrics). */
    public int rememberedTokens() {
        return verified.size();
    }

    private record Verified(JWTClaimsSet claims, Instant until) {
    }

    private void remember(String token, JWTClaimsSet claims, Instant now) {
        Instant until = now.plus(VERIFIED_FOR);
        Date exp = claims.getExpirationTime();
        if (exp != null && exp.toInstant().isBefore(until)) {
            until = exp.toInstant();
        }
        if (verified.size() >= maxRemembered) {
            verified.values().removeIf(v -> !now.isBefore(v.until()));
            if (verified.size() >= maxRemembered) {
                verified.clear();
            }
        }
        verified.put(token, new Verified(claims, until));
    }

    private JWTClaimsSet verifySignature(String token) {
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException e) {
            throw new InvalidTokenException("the bearer token is not a JWT");
        } catch (RateLimitReachedException e) {
            // an unknown key id made the key set be fetched again only moments ago and it was not there: the token's key
            // is not the realm's. This is a refusal, not an outage, or anyone could make the service answer 503 for a
            // while by sending tokens with made-up key ids (found by compliance-tests' ForgedRegionClaimIT).
            throw new InvalidTokenException("the bearer token's signing key is not one of the realm's");
        } catch (KeySourceException e) {
            throw new IllegalStateException("the realm's signing keys cannot be fetched", e);
        } catch (BadJOSEException e) {
            throw new InvalidTokenException("the bearer token's signature is not valid");
        } catch (JOSEException e) {
            throw new InvalidTokenException("the bearer token's signature could not be checked");
        }
        return claims;
    }

    /** The checks that depend on the time and on this service, made on every call. */
    private JWTClaimsSet check(JWTClaimsSet claims, Instant now) {
        if (!issuer.equals(claims.getIssuer())) {
            throw new InvalidTokenException("the bearer token was not issued by " + issuer);
        }
        Date exp = claims.getExpirationTime();
        if (exp == null || !exp.toInstant().plus(CLOCK_SKEW).isAfter(now)) {
            throw new InvalidTokenException("the bearer token has expired");
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && nbf.toInstant().minus(CLOCK_SKEW).isAfter(now)) {
            throw new InvalidTokenException("the bearer token is not valid yet");
        }
        List<String> aud = claims.getAudience();
        if (aud == null || !aud.contains(audience)) {
            throw new InvalidTokenException("the bearer token is not meant for audience " + audience);
        }
        return claims;
    }

    /** A token that must be refused with 401; the message is safe to show the caller. */
    public static final class InvalidTokenException extends RuntimeException {
        InvalidTokenException(String message) {
            super(message);
        }
    }
}
