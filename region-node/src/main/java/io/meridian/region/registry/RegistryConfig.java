package io.meridian.region.registry;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The validated configuration of one region's device registry. Every factory and constructor argument is
 * checked here, at start-up, so a running registry never meets an impossible value.
 *
 * @param regionId           the region this registry belongs to, for example {@code eu-central}
 * @param bindAddress        where the management API listens; a loopback address for local runs
 * @param port               the management API port; 0 picks a free one
 * @param cassandraContactPoints the region's own Cassandra cluster
 * @param localDatacenter    the driver's local data centre
 * @param keyspace           the registry's keyspace, created at start-up when missing
 * @param replication        the keyspace's replication map, for example {@code {'class': 'SimpleStrategy', 'replication_factor': 1}}
 * @param cassandraUsername  optional Cassandra user
 * @param cassandraPassword  optional Cassandra password; never logged
 * @param issuer             the Keycloak realm's issuer URI; tokens must carry exactly this {@code iss}
 * @param jwksUri            where the realm's signing keys are published
 * @param audience           the audience tokens must name
 * @param catalogClientId    the service client (token {@code azp}) that may manage every tenant
 * @param bcryptCost         the bcrypt cost used to hash {@code pwd-plain} secrets
 * @param maxBcryptCost      the highest bcrypt cost accepted in pre-hashed secrets
 */
public record RegistryConfig(
        String regionId,
        String bindAddress,
        int port,
        List<InetSocketAddress> cassandraContactPoints,
        String localDatacenter,
        String keyspace,
        Map<String, Object> replication,
        Optional<String> cassandraUsername,
        Optional<String> cassandraPassword,
        URI issuer,
        URI jwksUri,
        String audience,
        String catalogClientId,
        int bcryptCost,
        int maxBcryptCost) {

    private static final Pattern CQL_IDENTIFIER = Pattern.compile("[a-z][a-z0-9_]{0,47}");

    public RegistryConfig {
        requireText("regionId", regionId);
        requireText("bindAddress", bindAddress);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("registry port must be between 0 and 65535, was " + port);
        }
        Objects.requireNonNull(cassandraContactPoints, "cassandraContactPoints must not be null");
        if (cassandraContactPoints.isEmpty()) {
            throw new IllegalArgumentException("cassandraContactPoints must name at least one node, was empty");
        }
        cassandraContactPoints = List.copyOf(cassandraContactPoints);
        requireText("localDatacenter", localDatacenter);
        requireText("keyspace", keyspace);
        if (!CQL_IDENTIFIER.matcher(keyspace).matches()) {
            throw new IllegalArgumentException("keyspace must be a lower-case CQL identifier, was " + keyspace);
        }
        Objects.requireNonNull(replication, "replication must not be null");
        if (!(replication.get("class") instanceof String)) {
            throw new IllegalArgumentException("replication must name a 'class', was " + replication);
        }
        replication = Map.copyOf(replication);
        Objects.requireNonNull(cassandraUsername, "cassandraUsername must not be null");
        Objects.requireNonNull(cassandraPassword, "cassandraPassword must not be null");
        if (cassandraUsername.isPresent() != cassandraPassword.isPresent()) {
            throw new IllegalArgumentException("cassandraUsername and cassandraPassword must be set together, was "
                    + (cassandraUsername.isPresent() ? "a username without a password" : "a password without a username"));
        }
        requireHttpUri("issuer", issuer);
        requireHttpUri("jwksUri", jwksUri);
        requireText("audience", audience);
        requireText("catalogClientId", catalogClientId);
        if (bcryptCost < 4 || bcryptCost > 31) {
            throw new IllegalArgumentException("bcryptCost must be between 4 and 31, was " + bcryptCost);
        }
        if (maxBcryptCost < bcryptCost || maxBcryptCost > 31) {
            throw new IllegalArgumentException("maxBcryptCost must be between bcryptCost (" + bcryptCost
                    + ") and 31, was " + maxBcryptCost);
        }
    }

    /**
     * The defaults for a local run: SimpleStrategy RF 1, keyspace {@code meridian_registry}, Keycloak's
     * certificate endpoint under the issuer, audience {@code meridian}, client {@code catalog}, bcrypt cost 10.
     */
    public static RegistryConfig local(String regionId, String bindAddress, int port, InetSocketAddress cassandra,
                                       String localDatacenter, URI issuer) {
        Objects.requireNonNull(issuer, "issuer must not be null");
        return new RegistryConfig(regionId, bindAddress, port, List.of(cassandra), localDatacenter, "meridian_registry",
                Map.of("class", "SimpleStrategy", "replication_factor", 1), Optional.empty(), Optional.empty(),
                issuer, URI.create(issuer + "/protocol/openid-connect/certs"), "meridian", "catalog", 10, 12);
    }

    /** A copy with another bcrypt cost (tests use 4 for speed). */
    public RegistryConfig withBcryptCost(int cost) {
        return new RegistryConfig(regionId, bindAddress, port, cassandraContactPoints, localDatacenter, keyspace,
                replication, cassandraUsername, cassandraPassword, issuer, jwksUri, audience, catalogClientId, cost,
                Math.max(cost, maxBcryptCost));
    }

    /** The effective configuration for the start-up log, with secrets masked. */
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("region", regionId);
        m.put("management API", bindAddress + ":" + port);
        m.put("cassandra", cassandraContactPoints.toString() + " dc=" + localDatacenter);
        m.put("keyspace", keyspace + " " + replication);
        m.put("cassandra user", cassandraUsername.orElse("(none)"));
        m.put("cassandra password", cassandraPassword.map(p -> "****").orElse("(none)"));
        m.put("token issuer", issuer.toString());
        m.put("token keys", jwksUri.toString());
        m.put("token audience", audience);
        m.put("catalog client", catalogClientId);
        m.put("bcrypt cost", bcryptCost + " (max accepted " + maxBcryptCost + ")");
        return m;
    }

    @Override
    public String toString() {
        return "RegistryConfig" + describe();
    }

    private static void requireText(String name, String value) {
        Objects.requireNonNull(value, name + " must not be null");
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank, was '" + value + "'");
        }
    }

    private static void requireHttpUri(String name, URI value) {
        Objects.requireNonNull(value, name + " must not be null");
        String scheme = value.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme) || value.getHost() == null) {
            throw new IllegalArgumentException(name + " must be an absolute http(s) URI, was " + value);
        }
    }
}
