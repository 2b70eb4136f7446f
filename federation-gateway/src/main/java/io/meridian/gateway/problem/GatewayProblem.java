package io.meridian.gateway.problem;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A failure the caller is told about as an RFC 9457 problem: its status, a short title and a detail naming the problem.
 * Routes throw it; the one route configuration ({@link ProblemRouteConfiguration}) turns it into the response. The
 * detail is written for the caller and must never carry a secret or a stack trace.
 */
public final class GatewayProblem extends RuntimeException {

    private final int status;
    private final String title;
    private final Map<String, String> headers;

    private GatewayProblem(int status, String title, String detail, Map<String, String> headers, Throwable cause) {
        super(Objects.requireNonNull(detail, "detail must not be null"), cause);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("a problem's status must be 400-599, was " + status);
        }
        this.status = status;
        this.title = Objects.requireNonNull(title, "title must not be null");
        this.headers = Map.copyOf(headers);
    }

    /** A problem with the standard reason phrase of {@code status} as its title. */
    public static GatewayProblem of(int status, String detail) {
        return new GatewayProblem(status, ProblemJson.reasonPhrase(status), detail, Map.of(), null);
    }

    /** 401: no usable bearer token. {@code error} is the RFC 6750 error code, or null when no token was sent at all. */
    public static GatewayProblem unauthorized(String detail, String error) {
        String challenge = "Bearer realm=\"meridian\"" + (error == null ? "" : ", error=\"" + error + "\"");
        return of(401, detail).withHeader("WWW-Authenticate", challenge);
    }

    /** 503 with {@code Retry-After}, for a dependency that is down or too slow; the cause goes to the log only. */
    public static GatewayProblem unavailable(String detail, int retryAfterSeconds, Throwable cause) {
        return new GatewayProblem(503, ProblemJson.reasonPhrase(503), detail, Map.of("Retry-After", Integer.toString(retryAfterSeconds)), cause);
    }

    /** This problem with one more response header. */
    public GatewayProblem withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new GatewayProblem(status, title, getMessage(), h, getCause());
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** The detail for the caller. */
    public String detail() {
        return getMessage();
    }

    /** Response headers that belong to this problem, such as {@code WWW-Authenticate} or {@code Retry-After}. */
    public Map<String, String> headers() {
        return headers;
    }
}
