package io.meridian.region.adapter.http;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.hono.util.QoS;

/**
 * Parses what a device puts in its HTTP request headers and query, as Hono's HTTP adapter user guide defines
 * them. Every method throws {@link IllegalArgumentException} with a message naming the header and the value
 * when the value is not allowed; the adapter answers that with 400 (or 401 for credentials).
 */
final class DeviceRequests {

    /** A user name and password from an {@code Authorization: Basic} header. */
    record BasicCredentials(String username, String password) {
    }

    private DeviceRequests() {
    }

    /**
     * The credentials of an {@code Authorization} header, or empty when there is none.
     *
     * @throws IllegalArgumentException when the header is not {@code Basic base64(user:password)}
     */
    static Optional<BasicCredentials> basic(String authorization) {
        if (authorization == null) {
            return Optional.empty();
        }
        String trimmed = authorization.trim();
        int space = trimmed.indexOf(' ');
        if (space < 0 || !trimmed.substring(0, space).toLowerCase(Locale.ROOT).equals("basic")) {
            throw new IllegalArgumentException("authorization header must use the Basic scheme");
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(trimmed.substring(space + 1).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("authorization header is not valid base64", e);
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("Basic credentials must be user-id:password");
        }
        return Optional.of(new BasicCredentials(decoded.substring(0, colon), decoded.substring(colon + 1)));
    }

    /**
     * The requested QoS of a telemetry upload: absent means 0 (at most once).
     *
     * @throws IllegalArgumentException when the value is neither 0 nor 1
     */
    static QoS qos(String value) {
        if (value == null) {
            return QoS.AT_MOST_ONCE;
        }
        return switch (value.trim()) {
            case "0" -> QoS.AT_MOST_ONCE;
            case "1" -> QoS.AT_LEAST_ONCE;
            default -> throw new IllegalArgumentException("QoS-Level must be 0 or 1, was " + abbreviate(value));
        };
    }

    /**
     * A number of seconds from a header, or else from the query parameter of the same name ({@code hono-ttd},
     * {@code hono-ttl}); empty when neither is there.
     *
     * @throws IllegalArgumentException when the value is not a non-negative integer
     */
    static Optional<Integer> seconds(String name, String header, String query) {
        String value = header != null ? header : query;
        if (value == null) {
            return Optional.empty();
        }
        try {
            int seconds = Integer.parseInt(value.trim());
            if (seconds < 0) {
                throw new IllegalArgumentException(name + " must be a non-negative number of seconds, was " + seconds);
            }
            return Optional.of(seconds);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number of seconds, was " + abbreviate(value), e);
        }
    }

    /**
     * The status of a command response, from the {@code hono-cmd-status} header or else the query parameter.
     *
     * @throws IllegalArgumentException when it is missing or not an HTTP-like status (200..599)
     */
    static int commandStatus(String header, String query) {
        String value = header != null ? header : query;
        if (value == null) {
            throw new IllegalArgumentException("hono-cmd-status is missing (header or query parameter)");
        }
        try {
            int status = Integer.parseInt(value.trim());
            if (status < 200 || status >= 600) {
                throw new IllegalArgumentException("hono-cmd-status must be between 200 and 599, was " + status);
            }
            return status;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("hono-cmd-status must be a number, was " + abbreviate(value), e);
        }
    }

    static String abbreviate(String value) {
        return value.length() <= 64 ? value : value.substring(0, 64) + "...";
    }
}
