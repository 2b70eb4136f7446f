package io.meridian.gateway.problem;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The RFC 9457 body of a {@link GatewayProblem}: {@code type}, {@code title}, {@code status}, {@code detail} and {@code instance}. */
public final class ProblemJson {

    /** The media type of every error response. */
    public static final String MEDIA_TYPE = "application/problem+json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private ProblemJson() {
    }

    /**
     * The problem as JSON.
     *
     * @param instance the request path the problem occurred on, or null
     */
    public static String render(GatewayProblem problem, String instance) {
        ObjectNode body = JSON.createObjectNode();
        // about:blank: the status code says all there is to say about the kind of problem (RFC 9457 section 4.2.1)
        body.put("type", "about:blank");
        body.put("title", problem.title());
        body.put("status", problem.status());
        body.put("detail", problem.detail());
        if (instance != null) {
            body.put("instance", instance);
        }
        return body.toString();
    }

    /** The standard reason phrase of an error status, used as the title. */
    public static String reasonPhrase(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 406 -> "Not Acceptable";
            case 409 -> "Conflict";
            case 413 -> "Content Too Large";
            case 415 -> "Unsupported Media Type";
            case 422 -> "Unprocessable Content";
            case 429 -> "Too Many Requests";
            case 451 -> "Unavailable For Legal Reasons";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> status < 500 ? "Client Error" : "Server Error";
        };
    }
}
