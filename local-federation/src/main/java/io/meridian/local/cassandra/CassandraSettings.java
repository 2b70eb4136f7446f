package io.meridian.local.cassandra;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One single-node Cassandra cluster on 127.0.0.1.
 *
 * @param name        the service name, for example {@code cassandra-eu-central}
 * @param clusterName the cluster name, distinct per region so clusters never join each other
 * @param cqlPort     the native transport (CQL) port
 * @param storagePort the inter-node storage port
 * @param sslStoragePort the inter-node TLS storage port (bound by Cassandra even when unused)
 * @param maxHeapMb   the maximum heap in MiB, 256-2048
 * @param freshData   whether the data directory is wiped before start
 */
public record CassandraSettings(String name, String clusterName, int cqlPort, int storagePort, int sslStoragePort,
                                int maxHeapMb, boolean freshData) {

    private static final Pattern CLUSTER = Pattern.compile("[A-Za-z0-9 ._-]+");

    public CassandraSettings {
        Objects.requireNonNull(name, "name must not be null");
        Objects.requireNonNull(clusterName, "clusterName must not be null");
        if (!CLUSTER.matcher(clusterName).matches()) {
            throw new IllegalArgumentException("cassandra cluster name must match " + CLUSTER + ", was " + clusterName);
        }
        requirePort("cql port", cqlPort);
        requirePort("storage port", storagePort);
        requirePort("ssl storage port", sslStoragePort);
        if (cqlPort == storagePort || cqlPort == sslStoragePort || storagePort == sslStoragePort) {
            throw new IllegalArgumentException("cassandra cql port " + cqlPort + ", storage port " + storagePort
                    + " and ssl storage port " + sslStoragePort + " must differ");
        }
        if (maxHeapMb < 256 || maxHeapMb > 2048) {
            throw new IllegalArgumentException("cassandra max heap must be between 256 and 2048 MiB, was " + maxHeapMb);
        }
    }

    private static void requirePort(String what, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("cassandra " + what + " must be between 1 and 65535, was " + port);
        }
    }
}
