package io.meridian.gateway.problem;

import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * How a route sets its answer. platform-http writes the message's headers as response headers, and the message still
 * holds the request's headers (among them {@code Authorization}); so every answer first drops them all and then sets only
 * its own.
 */
public final class Responses {

    private Responses() {
    }

    /** Drops every header of the message, so that none of the request's headers is echoed to the caller. */
    public static void clearHeaders(Message message) {
        message.removeHeaders("*");
    }

    /** A 200 with a JSON body and nothing else. */
    public static void json(Exchange exchange, String body) {
        Message message = exchange.getMessage();
        clearHeaders(message);
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(body);
    }
}
