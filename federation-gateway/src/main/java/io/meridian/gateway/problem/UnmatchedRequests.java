package io.meridian.gateway.problem;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.RestRegistry;
import org.apache.camel.support.PluginHelper;

/**
 * Answers requests that match no route with problem+json: 405 (with {@code Allow}) when the path is one of the REST
 * services' paths under another method, 404 otherwise.
 *
 * <p>Vert.x Web decides these before any Camel route runs, so the route configuration never sees them. And Vert.x's own
 * 404/405 error handlers cannot be used: camel-platform-http-vertx mounts its router as a sub-router of a main router it
 * keeps private, and a sub-router's error handlers are not consulted for a request no route matched (Vert.x's HTML
 * "Resource not found" came back). So this is a catch-all route, ordered last, on the platform-http router.
 */
public final class UnmatchedRequests {

    private UnmatchedRequests() {
    }

    /** Installs the catch-all on the router; the REST services are read from {@code camel} at each unmatched request. */
    public static void install(Router router, CamelContext camel) {
        router.route().last().handler(ctx -> answer(ctx, camel));
    }

    private static void answer(RoutingContext ctx, CamelContext camel) {
        if (ctx.response().ended()) {
            return;
        }
        String path = ctx.request().path();
        Set<String> allowed = new TreeSet<>();
        for (RestRegistry.RestService s : PluginHelper.getRestRegistry(camel).listAllRestServices()) {
            String template = s.getBasePath() + (s.getUriTemplate() == null ? "" : s.getUriTemplate());
            if (matches(template, path)) {
                allowed.add(s.getMethod().toUpperCase());
            }
        }
        GatewayProblem problem;
        if (allowed.isEmpty()) {
            problem = GatewayProblem.of(404, "no resource at " + path + "; the gateway's API is described at /v1/openapi.json");
        } else {
            problem = GatewayProblem.of(405, "method " + ctx.request().method() + " is not allowed on " + path + ", only " + allowed)
                    .withHeader("Allow", String.join(", ", allowed));
        }
        problem.headers().forEach(ctx.response()::putHeader);
        ctx.response().setStatusCode(problem.status()).putHeader("Content-Type", ProblemJson.MEDIA_TYPE)
                .end(ProblemJson.render(problem, path));
    }

    /** Whether a REST path template such as {@code /v1/tenants/{tenant}} matches a request path. */
    static boolean matches(String template, String path) {
        StringBuilder regex = new StringBuilder();
        for (String part : template.split("(?=\\{)|(?<=\\})")) {
            regex.append(part.startsWith("{") && part.endsWith("}") ? "[^/]+" : Pattern.quote(part));
        }
        return Pattern.matches(regex.toString(), path);
    }
}
