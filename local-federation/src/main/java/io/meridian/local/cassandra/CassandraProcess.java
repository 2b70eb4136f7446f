package io.meridian.local.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import io.meridian.local.process.ProcessSpec;
import io.meridian.local.process.ServerRuntime;
import io.meridian.local.process.StateDirectory;
import io.meridian.local.service.CassandraService;
import io.meridian.local.service.ProcessBackedService;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A single-node Cassandra 5.0 cluster run as its own JVM ({@code CassandraDaemon}) from the classpath that
 * {@code runtime-cassandra} resolved, with the JVM flags of Cassandra's {@code jvm17-server.options} and a
 * generated {@code cassandra.yaml}. JMX is not started (no {@code cassandra.jmx.*.port}), so several
 * clusters share 127.0.0.1 without a 7199 collision.
 *
 * <p>Ready when CQL answers {@code SELECT release_version FROM system.local} through the Java driver.
 */
public final class CassandraProcess extends ProcessBackedService implements CassandraService {

    /** The data centre of a SimpleSnitch node. */
    public static final String DATACENTER = "datacenter1";
    private static final String MAIN_CLASS = "org.apache.cassandra.service.CassandraDaemon";
    private static final String FLAGS = "/io/meridian/local/cassandra/cassandra-jvm17.flags";

    private final CassandraSettings settings;
    private volatile CqlSession probeSession;

    public CassandraProcess(CassandraSettings settings, StateDirectory state) {
        super(settings.name(), state);
        this.settings = settings;
    }

    public CassandraSettings settings() {
        return settings;
    }

    @Override
    protected void prepare() throws IOException {
        if (settings.freshData()) {
            state().wipeData(name());
        }
        Path data = state().dataDirectory(name());
        Path conf = state().confDirectory(name());
        Files.writeString(conf.resolve("cassandra.yaml"), CassandraYaml.render(settings, data), StandardCharsets.UTF_8);
        Files.writeString(conf.resolve("logback.xml"), CassandraYaml.logback(), StandardCharsets.UTF_8);
    }

    @Override
    protected ProcessSpec processSpec() {
        Path data = state().dataDirectory(name());
        Path conf = state().confDirectory(name());
        List<String> cmd = new ArrayList<>();
        cmd.add(ServerRuntime.javaExecutable());
        cmd.add("-Xms256m");
        cmd.add("-Xmx" + settings.maxHeapMb() + "m");
        cmd.addAll(jvmFlags());
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        cmd.add("-Dcassandra.config=" + conf.resolve("cassandra.yaml").toUri());
        cmd.add("-Dcassandra.storagedir=" + data);
        cmd.add("-Dcassandra.logdir=" + data.resolve("logs"));
        cmd.add("-Dlogback.configurationFile=" + conf.resolve("logback.xml"));
        cmd.add("-Dcassandra.triggers_dir=" + conf);
        cmd.add("-Dmeridian.service=" + name());
        cmd.add("-cp");
        cmd.add(ServerRuntime.classpath("cassandra"));
        cmd.add(MAIN_CLASS);
        return ProcessSpec.of(name(), cmd, data);
    }

    /** The JVM flags from Cassandra's jvm17-server.options, one per line, comments and blanks skipped. */
    static List<String> jvmFlags() {
        try (InputStream in = CassandraProcess.class.getResourceAsStream(FLAGS)) {
            if (in == null) {
                throw new IllegalStateException(FLAGS + " must be on the classpath");
            }
            List<String> flags = new ArrayList<>();
            for (String line : new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList()) {
                String t = line.strip();
                if (!t.isEmpty() && !t.startsWith("#")) {
                    flags.add(t);
                }
            }
            return flags;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + FLAGS, e);
        }
    }

    @Override
    protected List<Integer> ports() {
        return List.of(settings.cqlPort(), settings.storagePort(), settings.sslStoragePort());
    }

    @Override
    protected boolean probe() {
        // A cheap TCP check first: building a driver session against a closed port costs seconds.
        try (Socket s = new Socket()) {
            s.connect(cqlAddress(), 500);
        } catch (IOException e) {
            return false;
        }
        CqlSession session = probeSession;
        if (session == null || session.isClosed()) {
            session = CqlSession.builder()
                    .addContactPoint(cqlAddress())
                    .withLocalDatacenter(DATACENTER)
                    .withConfigLoader(DriverConfigLoader.programmaticBuilder()
                            .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(5))
                            .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(5))
                            .withDuration(DefaultDriverOption.METADATA_SCHEMA_REQUEST_TIMEOUT, Duration.ofSeconds(10))
                            .build())
                    .build();
            probeSession = session;
        }
        return session.execute("SELECT release_version FROM system.local").one() != null;
    }

    @Override
    protected void releaseProbe() {
        CqlSession s = probeSession;
        probeSession = null;
        if (s != null) {
            s.close();
        }
    }

    @Override
    public InetSocketAddress cqlAddress() {
        return new InetSocketAddress("127.0.0.1", settings.cqlPort());
    }

    @Override
    public String localDatacenter() {
        return DATACENTER;
    }

    @Override
    public Map<String, String> endpoints() {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("cql", "127.0.0.1:" + settings.cqlPort());
        e.put("datacenter", DATACENTER);
        e.put("cluster", settings.clusterName());
        return e;
    }
}
