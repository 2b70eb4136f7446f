package io.meridian.gateway.aggregates;

/**
 * A region call that failed in a way that counts against the region's circuit breaker: no answer in time, no
 * connection, a 5xx. The message is for the caller and names the region.
 */
final class RegionFailure extends RuntimeException {

    RegionFailure(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
