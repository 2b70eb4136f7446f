package io.meridian.local.service;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * One real backing service of a local federation (a Cassandra cluster, a Kafka broker, Keycloak, an AWS
 * stand-in), whichever backend runs it: a local child process by default, or a Testcontainers container
 * when a Docker daemon is present.
 *
 * <p>Lifecycle: {@link #start(Duration)} returns only when the service answers a real readiness probe;
 * {@link #stop()} is graceful first and forced after a grace period. Both are idempotent.
 */
public interface BackingService extends AutoCloseable {

    /** A stable name, unique in a federation, for example {@code cassandra-eu-central} or {@code keycloak}. */
    String name();

    /**
     * Starts the service and waits for its readiness probe.
     *
     * @param timeout how long to wait for readiness; not null
     * @throws ServiceStartException when it does not become ready in time or exits early; the message
     *                               carries the tail of the service's log
     */
    void start(Duration timeout);

    /** Whether the readiness probe answers now. Never throws. */
    boolean isReady();

    /** Stops the service: graceful, then forced. Safe to call when not started. */
    void stop();

    /** Where the service writes its log. */
    Path logFile();

    /** What clients connect to, by name, for example {@code cql -> 127.0.0.1:20042}. */
    Map<String, String> endpoints();

    @Override
    default void close() {
        stop();
    }
}
