package io.meridian.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Objects;

/**
 * GETs JSON as the auditor: the current bearer token, one retry with a fresh token after a 401 (a long run can outlive a
 * token), and errors that name who answered what.
 */
final class AuditHttp {

    /** A call that gave no usable answer; the message names the service and the problem, for a check's summary. */
    static final class CallFailed extends Exception {
        CallFailed(String message) {
            super(message);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DETAIL_MAX = 200;

    private final HttpClient http;
    private final BearerToken token;

    AuditHttp(HttpClient http, BearerToken token) {
        this.http = Objects.requireNonNull(http, "http must not be null");
        this.token = Objects.requireNonNull(token, "token must not be null");
    }

    /**
     * The JSON object at {@code uri}.
     *
     * @param who     the service, for messages: {@code "region eu-central"}
     * @param timeout the limit on this call
     * @throws CallFailed naming {@code who} when it cannot be reached, answers anything but 200, or no JSON object
     */
    JsonNode get(URI uri, String who, Duration timeout) throws CallFailed, InterruptedException {
        String what = "GET " + uri.getRawPath();
        HttpResponse<byte[]> response = send(uri, who, what, timeout, false);
        if (response.statusCode() == 401) {
            response = send(uri, who, what, timeout, true);
        }
        if (response.statusCode() != 200) {
            throw new CallFailed(who + " answered " + response.statusCode() + " to " + what + detail(response.body()));
        }
        try {
            JsonNode body = JSON.readTree(response.body());
            if (body == null || !body.isObject()) {
                throw new CallFailed(who + " answered " + what + " with JSON that is not an object");
            }
            return body;
        } catch (IOException e) {
            throw new CallFailed(who + " answered " + what + " with a body that is not JSON");
        }
    }

    private HttpResponse<byte[]> send(URI uri, String who, String what, Duration timeout, boolean retry)
            throws CallFailed, InterruptedException {
        String bearer;
        try {
            bearer = token.get();
        } catch (IOException e) {
            throw new CallFailed("no access token to ask " + who + ": " + e.getMessage());
        }
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).header("Authorization", "Bearer " + bearer)
                .header("Accept", "application/json, application/problem+json").GET().build();
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() == 401 && !retry) {
                token.rejected(bearer);
            }
            return response;
        } catch (HttpTimeoutException e) {
            throw new CallFailed(who + " did not answer " + what + " within " + timeout.toMillis() + " ms");
        } catch (IOException e) {
            throw new CallFailed(who + " is unreachable at " + uri.getScheme() + "://" + uri.getAuthority() + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** ": " and the problem's detail (shortened), or nothing when the body is not problem+json. */
    private static String detail(byte[] body) {
        try {
            JsonNode problem = JSON.readTree(body);
            String d = problem == null ? "" : problem.path("detail").asText("");
            if (d.isBlank()) {
                return "";
            }
            return ": " + (d.length() > DETAIL_MAX ? d.substring(0, DETAIL_MAX) + "..." : d);
        } catch (IOException e) {
            return "";
        }
    }
}
