package io.meridian.region.registry;

import io.meridian.auth.TokenValidator;
import com.nimbusds.jwt.JWTClaimsSet;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.AuthenticationHandler;
import java.net.HttpURLConnection;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guards every management route: 401 with {@code WWW-Authenticate: Bearer} for a missing or invalid token,
 * 403 for a valid token that may not touch the path's tenant. Both answer with Hono's error body
 * {@code {"error": "..."}}. Token checks run on a worker thread because a key fetch blocks.
 */
final class ManagementAuthHandler implements AuthenticationHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ManagementAuthHandler.class);
    private static final String BEARER = "Bearer ";

    private final TokenValidator validator;
    private final ManagementAccess access;
    private final String realm;

    ManagementAuthHandler(TokenValidator validator, ManagementAccess access, String realm) {
        this.validator = Objects.requireNonNull(validator, "validator must not be null");
        this.access = Objects.requireNonNull(access, "access must not be null");
        this.realm = Objects.requireNonNull(realm, "realm must not be null");
    }

    @Override
    public void handle(RoutingContext ctx) {
        String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            refuse(ctx, HttpURLConnection.HTTP_UNAUTHORIZED, "a bearer token is required");
            return;
        }
        String token = header.substring(BEARER.length()).trim();
        String path = ctx.normalizedPath();
        ctx.request().pause();
        ctx.vertx().<ManagementAccess.Decision>executeBlocking(() -> {
            JWTClaimsSet claims = validator.validate(token);
            return access.decide(claims.getClaims(), path);
        }, false).onComplete(result -> {
            ctx.request().resume();
            if (result.failed()) {
                if (result.cause() instanceof TokenValidator.InvalidTokenException e) {
                    refuse(ctx, HttpURLConnection.HTTP_UNAUTHORIZED, e.getMessage());
                } else {
                    LOG.warn("cannot check a management token", result.cause());
                    refuse(ctx, HttpURLConnection.HTTP_UNAVAILABLE, "token validation is temporarily unavailable");
                }
            } else if (result.result().allowed()) {
                ctx.next();
            } else {
                refuse(ctx, HttpURLConnection.HTTP_FORBIDDEN, result.result().reason());
            }
        });
    }

    private void refuse(RoutingContext ctx, int status, String message) {
        if (status == HttpURLConnection.HTTP_UNAUTHORIZED) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"" + realm + "\"");
        }
        ctx.response().setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json; charset=utf-8")
                .end(new JsonObject().put("error", message).encode());
    }
}
