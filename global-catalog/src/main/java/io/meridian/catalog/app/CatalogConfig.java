package io.meridian.catalog.app;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The catalog's settings other than its secrets and its regions' addresses. Defaults suit {@code ./meridian up}.
 *
 * @param bindAddress       where the API listens (loopback by default)
 * @param port              the API port; 0 for an ephemeral one
 * @param keyspace          the Cassandra keyspace, {@code catalog}
 * @param replication       data centre to replicas for {@code NetworkTopologyStrategy}
 * @param nearCacheLifespan how long a cached assignment may be served
 * @param nearCacheMax      the most assignments cached
 * @param repairPeriod      how often the repair job looks at the journal
 * @param catchUpPeriod     how often tenants are pushed to regions that lack their current revision
 */
public record CatalogConfig(String bindAddress, int port, String keyspace, Map<String, Integer> replication, Duration nearCacheLifespan,
        long nearCacheMax, Duration repairPeriod, Duration catchUpPeriod) {

    public CatalogConfig {
        Objects.requireNonNull(bindAddress, "bindAddress must not be null");
        Objects.requireNonNull(keyspace, "keyspace must not be null");
        replication = Map.copyOf(Objects.requireNonNull(replication, "replication must not be null"));
        Objects.requireNonNull(nearCacheLifespan, "nearCacheLifespan must not be null");
        Objects.requireNonNull(repairPeriod, "repairPeriod must not be null");
        Objects.requireNonNull(catchUpPeriod, "catchUpPeriod must not be null");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("catalog port must be 0-65535, was " + port);
        }
        if (repairPeriod.isNegative() || repairPeriod.isZero() || catchUpPeriod.isNegative() || catchUpPeriod.isZero()) {
            throw new IllegalArgumentException("catalog repair and catch-up periods must be positive, were " + repairPeriod + " and " + catchUpPeriod);
        }
    }

    /** Loopback, the given port, keyspace {@code catalog} on one local data centre. */
    public static CatalogConfig local(int port, String datacenter) {
        return new CatalogConfig("127.0.0.1", port, "catalog", Map.of(datacenter, 1), Duration.ofSeconds(60), 1_000_000, Duration.ofSeconds(30),
                Duration.ofSeconds(30));
    }

    public CatalogConfig withRepairPeriod(Duration period) {
        return new CatalogConfig(bindAddress, port, keyspace, replication, nearCacheLifespan, nearCacheMax, period, catchUpPeriod);
    }

    public CatalogConfig withCatchUpPeriod(Duration period) {
        return new CatalogConfig(bindAddress, port, keyspace, replication, nearCacheLifespan, nearCacheMax, repairPeriod, period);
    }

    /**
     * Reads {@code eu-central:3,af-south:3}.
     *
     * @throws IllegalArgumentException naming the entry that is not {@code dc:count}
     */
    public static Map<String, Integer> parseReplication(String text) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String part : Objects.requireNonNull(text, "replication must not be null").split(",")) {
            String[] kv = part.trim().split(":");
            if (kv.length != 2) {
                throw new IllegalArgumentException("meridian.catalog.replication must be dc:count[,dc:count...], had '" + part.trim() + "'");
            }
            try {
                out.put(kv[0].trim(), Integer.parseInt(kv[1].trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("meridian.catalog.replication: '" + kv[1].trim() + "' is not a replica count");
            }
        }
        return out;
    }
}
