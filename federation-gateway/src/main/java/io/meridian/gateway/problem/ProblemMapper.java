package io.meridian.gateway.problem;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which problem a failure is for the caller. A {@link GatewayProblem} is itself; anything else is a fault of the gateway,
 * a 500 whose detail says so without internals, while the log gets the cause.
 */
public final class ProblemMapper {

    private static final Logger LOG = LoggerFactory.getLogger(ProblemMapper.class);

    private ProblemMapper() {
    }

    /**
     * @param failure the exception a route ended with, or null when Camel recorded none
     * @param where   the method and path, for the log
     */
    public static GatewayProblem map(Throwable failure, String where) {
        if (failure instanceof GatewayProblem p) {
            if (p.status() >= 500 && p.getCause() != null) {
                LOG.warn("{} answered {}: {} (cause: {})", where, p.status(), p.detail(), p.getCause().toString());
            }
            return p;
        }
        LOG.error("{} failed in the gateway", where, failure);
        return GatewayProblem.of(500, "the gateway failed to answer this request; the cause is in the gateway's log");
    }
}
