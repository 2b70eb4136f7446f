package io.meridian.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.KeySourceException;
import io.meridian.auth.TokenValidator;
import io.meridian.gateway.TestTokens;
import io.meridian.gateway.problem.GatewayProblem;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.Optional;
import java.util.Set;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class AuthenticateTest {

    private static final TestTokens TOKENS = new TestTokens();
    private static final DefaultCamelContext CAMEL = new DefaultCamelContext();

    @AfterAll
    static void close() {
        CAMEL.stop();
    }

    private static Exchange request(String authorization, String uri) {
        Exchange exchange = new DefaultExchange(CAMEL);
        if (authorization != null) {
            exchange.getMessage().setHeader("Authorization", authorization);
        }
        exchange.getMessage().setHeader(Exchange.HTTP_URI, uri);
        return exchange;
    }

    private static GatewayProblem refused(Authenticate auth, Exchange exchange) {
        return assertThrows(GatewayProblem.class, () -> auth.process(exchange));
    }

    @Test
    void validToken_exposesRolesTenantAndSubject() throws Exception {
        Exchange exchange = request("Bearer " + TOKENS.sign(TestTokens.user("lampco", "customer-analyst").build()), "/v1/regions");
        Authenticate.anyCaller(TOKENS.validator()).process(exchange);
        Caller caller = exchange.getProperty(Caller.PROPERTY, Caller.class);
        assertEquals(new Caller("user-1", Set.of("customer-analyst"), Optional.of("lampco"), Optional.empty()), caller);
    }

    @Test
    void missingToken_is401_withABearerChallenge() {
        GatewayProblem p = refused(Authenticate.anyCaller(TOKENS.validator()), request(null, "/v1/regions"));
        assertEquals(401, p.status());
        assertEquals("Bearer realm=\"meridian\"", p.headers().get("WWW-Authenticate"));
        assertEquals("a Keycloak bearer token is required", p.detail());
    }

    @Test
    void basicAuthorization_is401_invalidRequest() {
        GatewayProblem p = refused(Authenticate.anyCaller(TOKENS.validator()), request("Basic dXNlcjpwdw==", "/v1/regions"));
        assertEquals(401, p.status());
        assertEquals("Bearer realm=\"meridian\", error=\"invalid_request\"", p.headers().get("WWW-Authenticate"));
    }

    @Test
    void forgedExpiredWrongIssuerAndWrongAudienceTokens_are401_invalidToken() {
        Authenticate auth = Authenticate.anyCaller(TOKENS.validator());
        String forged = TOKENS.forge(TestTokens.user("lampco", "customer-admin").build());
        String expired = TOKENS.sign(TestTokens.user("lampco", "customer-admin").expirationTime(Date.from(TestTokens.NOW.minusSeconds(120))).build());
        String otherIssuer = TOKENS.sign(TestTokens.user("lampco", "customer-admin").issuer("http://127.0.0.1:1/realms/other").build());
        String otherAudience = TOKENS.sign(TestTokens.user("lampco", "customer-admin").audience("account").build());
        String tampered = TOKENS.sign(TestTokens.user("lampco", "customer-admin").build());
        String[] parts = tampered.split("\\.");
        tampered = parts[0] + "." + TOKENS.sign(TestTokens.user("carehome", "customer-admin").build()).split("\\.")[1] + "." + parts[2];
        for (String token : new String[] {forged, expired, otherIssuer, otherAudience, tampered, "not-a-jwt"}) {
            GatewayProblem p = refused(auth, request("Bearer " + token, "/v1/regions"));
            assertEquals(401, p.status(), token);
            assertEquals("Bearer realm=\"meridian\", error=\"invalid_token\"", p.headers().get("WWW-Authenticate"));
        }
        assertEquals("the bearer token has expired", refused(auth, request("Bearer " + expired, "/v1/regions")).detail());
    }

    @Test
    void missingRole_is403_namingTheRoles() {
        Authenticate auth = Authenticate.withAnyRole(TOKENS.validator(), "compliance-officer");
        GatewayProblem p = refused(auth, request("Bearer " + TOKENS.sign(TestTokens.user("lampco", "customer-admin").build()), "/v1/audit"));
        assertEquals(403, p.status());
        assertEquals("this endpoint needs one of the roles [compliance-officer], the token has [customer-admin]", p.detail());
    }

    @Test
    void userOfAnotherTenant_is403_onATenantRoute() throws Exception {
        Authenticate auth = Authenticate.tenantMember(TOKENS.validator(), "customer-admin", "customer-analyst");
        String lamp = "Bearer " + TOKENS.sign(TestTokens.user("lampco", "customer-admin").build());
        GatewayProblem p = refused(auth, request(lamp, "/v1/tenants/carehome/devices"));
        assertEquals(403, p.status());
        assertEquals("a user of tenant lampco may not access tenant carehome", p.detail());
        // a header named like the path parameter does not change whose tenant the path names
        Exchange spoofed = request(lamp, "/v1/tenants/carehome/devices");
        spoofed.getMessage().setHeader("tenant", "lampco");
        assertEquals(403, refused(auth, spoofed).status());
        Exchange own = request(lamp, "/v1/tenants/lampco/devices?limit=5");
        auth.process(own);
        assertEquals(Optional.of("lampco"), own.getProperty(Caller.PROPERTY, Caller.class).tenant());
    }

    @Test
    void callerWithoutTenantClaim_is403_onATenantRoute() {
        Authenticate auth = Authenticate.tenantMember(TOKENS.validator(), "compliance-officer");
        GatewayProblem p = refused(auth, request("Bearer " + TOKENS.sign(TestTokens.user(null, "compliance-officer").build()), "/v1/tenants/lampco"));
        assertEquals(403, p.status());
        assertTrue(p.detail().contains("no tenant claim"), p.detail());
    }

    @Test
    void unreachableSigningKeys_are503_notARefusal() {
        TokenValidator keysDown = new TokenValidator((selector, context) -> {
            throw new KeySourceException("connection refused");
        }, TestTokens.ISSUER, "meridian", Clock.fixed(TestTokens.NOW, ZoneOffset.UTC));
        GatewayProblem p = refused(Authenticate.anyCaller(keysDown), request("Bearer " + TOKENS.sign(TestTokens.user("lampco").build()), "/v1/regions"));
        assertEquals(503, p.status());
        assertEquals("5", p.headers().get("Retry-After"));
    }

    @Test
    void tenantOfPath_decodesTheSegment_andIgnoresOtherPaths() {
        assertEquals(Optional.of("a b"), Authenticate.tenantOfPath("/v1/tenants/a%20b/devices"));
        assertEquals(Optional.of("a+b"), Authenticate.tenantOfPath("/v1/tenants/a+b"));
        assertEquals(Optional.empty(), Authenticate.tenantOfPath("/v1/regions"));
        assertEquals(Optional.empty(), Authenticate.tenantOfPath("/v1/tenants/"));
    }
}
