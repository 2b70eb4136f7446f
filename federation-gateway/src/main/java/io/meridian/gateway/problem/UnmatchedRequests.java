package io.meridian.gateway.problem;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Answers requests that match no route (404) or match a path with another method (405) with problem+json. Vert.x Web
 * produces these before any Camel route runs, so the route configuration cannot see them; this hooks Vert.x's own error
 * handlers on the platform-http router instead.
 */
public final class UnmatchedRequests {

    private UnmatchedRequests() {
    }

    /** Installs the 404 and 405 handlers on the router. */
    public static void install(Router router) {
        router.errorHandler(404, ctx -> answer(ctx, GatewayProblem.of(404, "no resource at " + ctx.request().path()
                + "; the gateway's API is described at /v1/openapi.json")));
        router.errorHandler(405, ctx -> answer(ctx, GatewayProblem.of(405, "method " + ctx.request().method() + " is not allowed on "
                + ctx.request().path())));
    }

    private static void answer(RoutingContext ctx, GatewayProblem problem) {
        if (ctx.response().ended()) {
            return;
        }
        ctx.response().setStatusCode(problem.status()).putHeader("Content-Type", ProblemJson.MEDIA_TYPE)
                .end(ProblemJson.render(problem, ctx.request().path()));
    }
}
