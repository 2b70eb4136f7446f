package io.meridian.region.adapter.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.net.HttpURLConnection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.hono.client.ServiceInvocationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the HTTP adapter refuses a request: the status Hono's HTTP adapter user guide documents, one log line and
 * one increment of the {@value #METER} counter (tagged with the status), never an exception.
 *
 * <p>Devices see a short message for their audience; a 5xx says "temporarily unavailable" and leaves the cause
 * to the log.
 */
final class HttpRefusals {

    /** The Micrometer counter of refused requests, tagged {@code status}. */
    static final String METER = "meridian.adapter.http.refused";
    /** Hono's HTTP adapter challenges for Basic credentials in this realm. */
    static final String BASIC_CHALLENGE = "Basic realm=\"Hono\"";

    private static final Logger LOG = LoggerFactory.getLogger(HttpRefusals.class);

    private final MeterRegistry meters;
    private final Map<Integer, Counter> counters = new ConcurrentHashMap<>();

    HttpRefusals(MeterRegistry meters) {
        this.meters = meters;
    }

    /** The HTTP status a failed upload, lookup or send is answered with; anything unexpected is a 503. */
    static int status(Throwable failure) {
        if (failure instanceof ServiceInvocationException e && e.getErrorCode() >= 400 && e.getErrorCode() < 600) {
            return e.getErrorCode();
        }
        return HttpURLConnection.HTTP_UNAVAILABLE;
    }

    /** A short reason for the log and (for a 4xx) the device, without a stack trace for expected refusals. */
    static String reason(Throwable failure) {
        if (failure instanceof ServiceInvocationException e) {
            return e.getMessage();
        }
        return String.valueOf(failure);
    }

    /**
     * Whether a failure came from decoding the bytes the client sent (a bad chunk size, say), which is the
     * client's fault, not ours.
     */
    static boolean isMalformedInput(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof io.netty.handler.codec.DecoderException) {
                return true;
            }
            for (StackTraceElement frame : t.getStackTrace()) {
                if (frame.getClassName().startsWith("io.netty.handler.codec.")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** What the device is told: the message of a 4xx, and nothing of the cause of a 5xx. */
    static String bodyFor(int status, String reason) {
        return status >= 500 ? "temporarily unavailable" : reason;
    }

    /** How many requests were refused with this status so far. */
    double count(int status) {
        Counter c = counters.get(status);
        return c == null ? 0 : c.count();
    }

    /**
     * Answers a request with an error status, unless a response was already sent (a connection that closed while
     * we waited for Kafka, say), counts it and logs it once.
     */
    void refuse(HttpServerRequest request, int status, String reason) {
        HttpServerResponse response = request.response();
        if (response.ended() || response.closed() || response.headWritten()) {
            // answered already, or nobody left to answer: not a second refusal of the same request
            LOG.debug("HTTP {} {} from {} failed after its answer: {} {}", request.method(), abbreviate(request.uri()),
                    request.remoteAddress(), status, reason);
            return;
        }
        counter(status).increment();
        LOG.info("refused HTTP {} {} from {}: {} {}", request.method(), abbreviate(request.uri()), request.remoteAddress(), status, reason);
        response.setStatusCode(status);
        if (status == HttpURLConnection.HTTP_UNAUTHORIZED) {
            response.putHeader("WWW-Authenticate", BASIC_CHALLENGE);
        }
        if (status == HttpURLConnection.HTTP_UNAVAILABLE) {
            response.putHeader(HttpHeaders.RETRY_AFTER, "2");
        }
        response.putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.end(bodyFor(status, reason));
    }

    /** Counts and logs a request the HTTP codec refused before any route saw it (a malformed request line, say). */
    void countMalformed(HttpServerRequest request, int status) {
        counter(status).increment();
        LOG.info("refused malformed HTTP request from {}: {} {}", request.remoteAddress(), status,
                request.decoderResult() == null ? "" : request.decoderResult().cause());
    }

    private Counter counter(int status) {
        return counters.computeIfAbsent(status, s -> Counter.builder(METER)
                .description("HTTP adapter requests refused, by status")
                .tag("status", Integer.toString(s))
                .register(meters));
    }

    private static String abbreviate(String uri) {
        if (uri == null) {
            return "";
        }
        return uri.length() <= 200 ? uri : uri.substring(0, 200) + "...";
    }
}
