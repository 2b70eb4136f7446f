package io.meridian.gateway.problem;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.builder.RouteConfigurationBuilder;

/**
 * The gateway's one place of error handling: every route's failure ends here and leaves as problem+json. It has no id,
 * so Camel applies it to every route of the context (routes name no {@code routeConfigurationId}).
 *
 * <p>Requests no route matches never reach Camel; {@link UnmatchedRequests} answers those with the same body.
 */
public final class ProblemRouteConfiguration extends RouteConfigurationBuilder {

    @Override
    public void configuration() {
        routeConfiguration().onException(Exception.class).handled(true).process(ProblemRouteConfiguration::respond);
    }

    static void respond(Exchange exchange) {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Message message = exchange.getMessage();
        String path = message.getHeader(Exchange.HTTP_PATH, String.class);
        String uri = message.getHeader(Exchange.HTTP_URI, String.class);
        String instance = uri != null ? uri : path;
        GatewayProblem problem = ProblemMapper.map(failure, message.getHeader(Exchange.HTTP_METHOD, String.class) + " " + instance);
        Responses.clearHeaders(message);
        problem.headers().forEach(message::setHeader);
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, problem.status());
        message.setHeader(Exchange.CONTENT_TYPE, ProblemJson.MEDIA_TYPE);
        message.setBody(ProblemJson.render(problem, instance));
    }
}
