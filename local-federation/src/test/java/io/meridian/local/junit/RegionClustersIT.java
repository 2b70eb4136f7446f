package io.meridian.local.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import java.time.Duration;
import com.datastax.oss.driver.api.core.cql.Row;
import io.meridian.local.service.CassandraService;
import io.meridian.local.service.Federation;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each region's own Cassandra cluster takes and returns rows, and the clusters are independent. */
@MeridianServices(cassandra = {"eu-central", "af-south", "us-east"}, kafka = {"eu-central", "af-south", "us-east"})
class RegionClustersIT {

    @ParameterizedTest
    @ValueSource(strings = {"eu-central", "af-south", "us-east"})
    void cqlRoundTrip_onEachRegionsCluster(String region, Federation federation) {
        CassandraService cassandra = federation.cassandra(region);
        String marker = region + "-" + UUID.randomUUID();
        try (CqlSession s = session(cassandra)) {
            s.execute("CREATE KEYSPACE IF NOT EXISTS roundtrip WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
            s.execute("CREATE TABLE IF NOT EXISTS roundtrip.notes (id text PRIMARY KEY, body text)");
            s.execute("INSERT INTO roundtrip.notes (id, body) VALUES (?, ?)", region, marker);
            Row row = s.execute("SELECT body FROM roundtrip.notes WHERE id = ?", region).one();
            assertEquals(marker, row.getString("body"));
            assertEquals("meridian-" + region, s.execute("SELECT cluster_name FROM system.local").one().getString(0));
        }
    }

    @Test
    void clustersAreIndependent_perRegionPorts(@Region("eu-central") CassandraService eu, @Region("af-south") CassandraService af,
                                               @Region("us-east") CassandraService us) {
        assertNotEquals(eu.cqlAddress(), af.cqlAddress());
        assertNotEquals(af.cqlAddress(), us.cqlAddress());
        // a row written in one region's cluster is not visible in another's
        String id = "only-eu-" + UUID.randomUUID();
        try (CqlSession s = session(eu)) {
            s.execute("CREATE KEYSPACE IF NOT EXISTS isolation WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
            s.execute("CREATE TABLE IF NOT EXISTS isolation.t (id text PRIMARY KEY)");
            s.execute("INSERT INTO isolation.t (id) VALUES (?)", id);
        }
        try (CqlSession s = session(af)) {
            assertEquals(0, s.execute("SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = 'isolation'")
                    .all().size(), "af-south must not know eu-central's keyspace");
        }
    }

    private static CqlSession session(CassandraService c) {
        // the machine is shared with other builds: schema changes may take longer than the driver's default 2 s
        return CqlSession.builder().addContactPoint(c.cqlAddress()).withLocalDatacenter(c.localDatacenter())
                .withConfigLoader(DriverConfigLoader.programmaticBuilder().withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(15)).build())
                .build();
    }
}
