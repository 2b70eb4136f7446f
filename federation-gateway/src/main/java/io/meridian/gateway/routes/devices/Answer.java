package io.meridian.gateway.routes.devices;

import io.meridian.gateway.problem.Responses;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * What a device route answers: a status, a content type, a body and the response headers that belong to it (a 451's
 * {@code Link}). Errors the gateway itself decides are thrown as {@link io.meridian.gateway.problem.GatewayProblem}
 * instead; an Answer carries what a catalog or region said (passed on) and the 451 problem with its extension members.
 */
record Answer(int status, String contentType, String body, Map<String, String> headers) {

    static final String JSON = "application/json";

    Answer {
        Objects.requireNonNull(contentType, "contentType must not be null");
        headers = Map.copyOf(headers);
    }

    static Answer json(int status, String body) {
        return new Answer(status, JSON, body, Map.of());
    }

    Answer withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new Answer(status, contentType, body, h);
    }

    /** Writes this answer on the exchange, after dropping every request header (which platform-http would echo). */
    void write(Exchange exchange) {
        Message message = exchange.getMessage();
        Responses.clearHeaders(message);
        headers.forEach(message::setHeader);
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        if (body != null) {
            message.setHeader(Exchange.CONTENT_TYPE, contentType);
        }
        message.setBody(body);
    }
}
