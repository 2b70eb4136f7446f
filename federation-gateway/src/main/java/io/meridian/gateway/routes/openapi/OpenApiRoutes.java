package io.meridian.gateway.routes.openapi;

import io.meridian.gateway.problem.Responses;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.camel.builder.RouteBuilder;

/**
 * {@code GET /v1/openapi.json}: the checked-in OpenAPI 3.1 document ({@value #RESOURCE}), without a token. A test keeps
 * it equal to the routes the context registers.
 */
public final class OpenApiRoutes extends RouteBuilder {

    /** The classpath resource of the document. */
    public static final String RESOURCE = "openapi/gateway-api.json";
    /** The route's id. */
    public static final String ROUTE_ID = "openapi";

    private String document;

    /** The document's text. */
    public static String document() {
        try (InputStream in = OpenApiRoutes.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the gateway's OpenAPI document " + RESOURCE + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + RESOURCE, e);
        }
    }

    @Override
    public void configure() {
        // read when the routes are built, i.e. when the context starts, so a missing document stops the start
        document = document();
        rest("/v1").get("/openapi.json").produces("application/json").to("direct:" + ROUTE_ID);

        from("direct:" + ROUTE_ID).routeId(ROUTE_ID)
                .process(exchange -> Responses.json(exchange, document));
    }
}
