package io.meridian.gateway.aggregates;

import io.meridian.policy.model.RegionId;
import java.util.Objects;
import java.util.Optional;

/**
 * What one region's branch of the fan-out brought back: the region's HTTP answer, or the reason there is none (it timed
 * out, its circuit is open, it answered 5xx, it could not be reached).
 *
 * @param region  the region asked
 * @param status  the HTTP status it answered, 0 when it did not answer
 * @param body    the body exactly as received, empty when it did not answer
 * @param failure why there is no usable answer, empty when it answered
 */
record RegionReply(RegionId region, int status, byte[] body, Optional<String> failure) {

    RegionReply {
        Objects.requireNonNull(region, "region must not be null");
        Objects.requireNonNull(body, "body must not be null");
        Objects.requireNonNull(failure, "failure must not be null");
    }

    static RegionReply answered(RegionId region, int status, byte[] body) {
        return new RegionReply(region, status, body, Optional.empty());
    }

    static RegionReply failed(RegionId region, String reason) {
        return new RegionReply(region, 0, new byte[0], Optional.of(reason));
    }
}
