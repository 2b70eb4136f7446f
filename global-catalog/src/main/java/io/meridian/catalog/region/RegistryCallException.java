package io.meridian.catalog.region;

import io.meridian.policy.model.RegionId;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A call to a region's registry did not succeed: the region answered with an error status, or could not be reached
 * in time ({@link #isUnreachable()}, no status). The message names the region, the operation and the status; the
 * registry's own explanation is in {@link #detail()}.
 */
public final class RegistryCallException extends RuntimeException {

    private final RegionId region;
    private final String operation;
    private final OptionalInt status;
    private final Optional<String> detail;

    private RegistryCallException(String message, RegionId region, String operation, OptionalInt status, Optional<String> detail, Throwable cause) {
        super(message, cause);
        this.region = region;
        this.operation = operation;
        this.status = status;
        this.detail = detail;
    }

    /** The region answered {@code status}, with the registry's explanation when it gave one. */
    static RegistryCallException status(RegionId region, String operation, int status, Optional<String> detail) {
        return new RegistryCallException("region " + region.value() + " refused " + operation + " with " + status
                + detail.map(d -> ": " + d).orElse(""), Objects.requireNonNull(region), operation, OptionalInt.of(status), detail, null);
    }

    /** The region could not be reached, or did not answer in time. */
    static RegistryCallException unreachable(RegionId region, String operation, String why, Throwable cause) {
        return new RegistryCallException("region " + region.value() + " could not be reached for " + operation + ": " + why,
                Objects.requireNonNull(region), operation, OptionalInt.empty(), Optional.of(why), cause);
    }

    public RegionId region() {
        return region;
    }

    /** What was attempted, for example {@code create device lampco/lamp-1}. */
    public String operation() {
        return operation;
    }

    /** The HTTP status the registry answered; empty when it could not be reached. */
    public OptionalInt status() {
        return status;
    }

    /** The registry's explanation (its {@code error} field, or the body), or why the region could not be reached. */
    public Optional<String> detail() {
        return detail;
    }

    /** Whether the region could not be reached at all (connect failure or timeout): worth retrying later. */
    public boolean isUnreachable() {
        return status.isEmpty();
    }
}
