package io.meridian.local.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import io.meridian.local.process.ServerRuntime;
import io.meridian.local.service.CassandraService;
import io.meridian.local.service.ContainerBackedService;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/** Cassandra in the official {@code cassandra} image at the version pinned in the parent pom. */
public final class CassandraContainerService extends ContainerBackedService<GenericContainer<?>> implements CassandraService {

    private static final int CQL = 9042;
    private final String clusterName;

    public CassandraContainerService(String name, String clusterName, Path logFile) {
        super(name, logFile);
        this.clusterName = clusterName;
    }

    @Override
    protected GenericContainer<?> newContainer(Duration timeout) {
        return new GenericContainer<>(DockerImageName.parse("cassandra:" + ServerRuntime.version("cassandra")))
                .withExposedPorts(CQL)
                .withEnv("CASSANDRA_CLUSTER_NAME", clusterName)
                .withEnv("MAX_HEAP_SIZE", "512M")
                .withEnv("HEAP_NEWSIZE", "128M")
                .waitingFor(Wait.forLogMessage(".*Starting listening for CQL clients.*", 1).withStartupTimeout(timeout));
    }

    @Override
    protected boolean probe(GenericContainer<?> c) {
        try (CqlSession s = CqlSession.builder().addContactPoint(cqlAddress()).withLocalDatacenter(localDatacenter()).build()) {
            return s.execute("SELECT release_version FROM system.local").one() != null;
        }
    }

    @Override
    public InetSocketAddress cqlAddress() {
        GenericContainer<?> c = container();
        return new InetSocketAddress(c.getHost(), c.getMappedPort(CQL));
    }

    @Override
    public String localDatacenter() {
        return CassandraProcess.DATACENTER;
    }

    @Override
    public Map<String, String> endpoints() {
        Map<String, String> e = new LinkedHashMap<>();
        InetSocketAddress a = cqlAddress();
        e.put("cql", a.getHostString() + ":" + a.getPort());
        e.put("datacenter", localDatacenter());
        e.put("cluster", clusterName);
        return e;
    }
}
