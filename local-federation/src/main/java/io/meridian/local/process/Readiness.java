package io.meridian.local.process;

import io.meridian.local.service.ServiceStartException;
import java.time.Duration;
import java.util.Objects;

/**
 * Polls a readiness probe until it answers, the process exits, or a timeout passes. On failure it throws
 * {@link ServiceStartException} whose message names the service and carries the tail of its log.
 */
public final class Readiness {

    /** Lines of log a start failure carries. */
    public static final int TAIL_LINES = 40;
    private static final Duration INTERVAL = Duration.ofMillis(250);

    private Readiness() {
    }

    /** A readiness check. Throwing counts as "not ready yet"; the last exception is reported on timeout. */
    @FunctionalInterface
    public interface Probe {
        boolean ready() throws Exception;
    }

    /**
     * Waits until {@code probe} answers true.
     *
     * @param process the process whose readiness is awaited; its early exit ends the wait at once
     * @param timeout how long to wait; positive
     * @throws ServiceStartException when the process exits first or the timeout passes; the message carries
     *                               the last probe error and the log tail
     */
    public static void await(ManagedProcess process, Duration timeout, Probe probe) {
        Objects.requireNonNull(process, "process must not be null");
        Objects.requireNonNull(probe, "probe must not be null");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("readiness timeout must be positive, was " + timeout);
        }
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        Exception last = null;
        while (true) {
            if (!process.isAlive()) {
                throw new ServiceStartException(process.name() + " exited with code " + process.exitCode().orElse(-1)
                        + " before it was ready" + lastError(last) + "\n--- last lines of " + process.logFile() + " ---\n"
                        + process.logTail(TAIL_LINES));
            }
            try {
                if (probe.ready()) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ServiceStartException(process.name() + ": interrupted while waiting for readiness", e);
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() >= deadline) {
                throw new ServiceStartException(process.name() + " was not ready within " + timeout.toSeconds() + " s"
                        + lastError(last) + "\n--- last lines of " + process.logFile() + " ---\n" + process.logTail(TAIL_LINES));
            }
            try {
                Thread.sleep(INTERVAL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ServiceStartException(process.name() + ": interrupted while waiting for readiness", e);
            }
        }
    }

    private static String lastError(Exception last) {
        return last == null ? "" : " (last probe error: " + last + ")";
    }
}
