package io.meridian.gateway.problem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

class ProblemMappingTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void gatewayProblem_rendersAsRfc9457_withItsStatusTitleDetailAndInstance() throws IOException {
        JsonNode body = JSON.readTree(ProblemJson.render(GatewayProblem.of(404, "no resource at /v1/x"), "/v1/x"));
        assertEquals("about:blank", body.get("type").asText());
        assertEquals("Not Found", body.get("title").asText());
        assertEquals(404, body.get("status").asInt());
        assertEquals("no resource at /v1/x", body.get("detail").asText());
        assertEquals("/v1/x", body.get("instance").asText());
    }

    @Test
    void unexpectedFailure_is500_withoutItsInternals() {
        GatewayProblem p = ProblemMapper.map(new NullPointerException("secret internals"), "GET /v1/regions");
        assertEquals(500, p.status());
        assertFalse(p.detail().contains("secret internals"), p.detail());
    }

    @Test
    void unavailable_carriesRetryAfter() {
        GatewayProblem p = GatewayProblem.unavailable("the catalog at 127.0.0.1:1 did not answer within 3000 ms", 5, new IOException("refused"));
        assertEquals(503, p.status());
        assertEquals("Service Unavailable", p.title());
        assertEquals("5", p.headers().get("Retry-After"));
    }

    @Test
    void statusOutsideTheErrorRange_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> GatewayProblem.of(200, "fine"));
    }

    @Test
    void routeConfiguration_replacesTheRequestHeaders_withTheProblemsOwn() throws IOException {
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            Exchange exchange = new DefaultExchange(camel);
            exchange.getMessage().setHeader("Authorization", "Bearer secret-token");
            exchange.getMessage().setHeader(Exchange.HTTP_METHOD, "GET");
            exchange.getMessage().setHeader(Exchange.HTTP_URI, "/v1/regions");
            exchange.setProperty(Exchange.EXCEPTION_CAUGHT, GatewayProblem.unauthorized("a Keycloak bearer token is required", null));
            ProblemRouteConfiguration.respond(exchange);
            assertEquals(401, exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE));
            assertEquals(ProblemJson.MEDIA_TYPE, exchange.getMessage().getHeader(Exchange.CONTENT_TYPE));
            assertEquals("Bearer realm=\"meridian\"", exchange.getMessage().getHeader("WWW-Authenticate"));
            assertEquals(null, exchange.getMessage().getHeader("Authorization"));
            assertEquals("/v1/regions", JSON.readTree(exchange.getMessage().getBody(String.class)).get("instance").asText());
        }
    }
}
