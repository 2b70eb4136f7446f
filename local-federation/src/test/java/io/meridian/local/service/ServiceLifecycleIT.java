package io.meridian.local.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import io.meridian.local.cassandra.CassandraProcess;
import io.meridian.local.kafka.KafkaProcess;
import io.meridian.local.process.ManagedProcess;
import io.meridian.local.process.PidReaper;
import io.meridian.local.process.StateDirectory;
import io.meridian.regions.RegionConfigs;
import java.net.ServerSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A federation of its own (not the shared one of the test run), so stopping it can be observed: every
 * process and descendant is gone afterwards and no PID file is left.
 */
class ServiceLifecycleIT {

    private final RegionConfigs configs = RegionConfigs.loadDefault();

    @Test
    void stop_leavesNoProcessAndNoPidFile() {
        StateDirectory state = StateDirectory.at(Path.of("target/lifecycle-it"));
        List<ProcessHandle> started = new ArrayList<>();
        List<String> commands = new ArrayList<>();
        try (Federation f = Federation.open(ServiceContext.ephemeral(configs, state, Backend.PROCESS), ServiceRegistry.load(), 2)) {
            f.start(List.of(ServiceRequest.of("cassandra", "uk-south"), ServiceRequest.of("kafka", "uk-south")), Federation.Listener.NONE);
            for (BackingService s : f.services()) {
                ManagedProcess p = ((ProcessBackedService) s).process().orElseThrow();
                started.add(p.handle());
                commands.add(p.handle().info().command().orElse("?"));
                p.handle().descendants().forEach(started::add);
                assertTrue(Files.exists(p.pidFile()), s.name() + " must have a PID file");
                assertTrue(s.isReady(), s.name() + " must answer its probe");
            }
            // readiness was real: the cluster answers a query
            CassandraService c = f.cassandra("uk-south");
            try (CqlSession s = CqlSession.builder().addContactPoint(c.cqlAddress()).withLocalDatacenter(c.localDatacenter()).build()) {
                assertEquals(1, s.execute("SELECT release_version FROM system.local").all().size());
            }
        }
        assertEquals(2, commands.stream().filter(c -> c.endsWith("/java")).count(), "two server JVMs: " + commands);
        started.forEach(h -> assertFalse(h.isAlive(), "PID " + h.pid() + " must be gone after stop"));
        assertTrue(PidReaper.list(state).isEmpty(), "no PID file may be left: " + PidReaper.list(state));
    }

    @Test
    void startFailure_carriesLogTail_andLeavesNothingRunning() throws Exception {
        StateDirectory state = StateDirectory.at(Path.of("target/lifecycle-it-fail"));
        ServiceContext ctx = ServiceContext.ephemeral(configs, state, Backend.PROCESS);
        KafkaProcess kafka = (KafkaProcess) ServiceRegistry.load().require("kafka").create(ctx, Optional.of(configs.require("uk-south")));
        // the broker's controller port is taken by someone else: the start must fail and say which port
        try (ServerSocket squatter = new ServerSocket(kafka.settings().controllerPort(), 1, InetAddress.getLoopbackAddress())) {
            ServiceStartException e = assertThrows(ServiceStartException.class, () -> kafka.start(Duration.ofSeconds(60)));
            assertTrue(e.getMessage().contains("port " + kafka.settings().controllerPort()), e.getMessage());
        }
        assertTrue(kafka.process().isEmpty(), "nothing may have been launched");
    }

    @Test
    void tooShortTimeout_failsWithLogTail_andStopsTheProcess() {
        StateDirectory state = StateDirectory.at(Path.of("target/lifecycle-it-timeout"));
        ServiceContext ctx = ServiceContext.ephemeral(configs, state, Backend.PROCESS);
        CassandraProcess cassandra = (CassandraProcess) ServiceRegistry.load().require("cassandra")
                .create(ctx, Optional.of(configs.require("uk-south")));
        ServiceStartException e = assertThrows(ServiceStartException.class, () -> cassandra.start(Duration.ofSeconds(3)));
        assertTrue(e.getMessage().contains("was not ready within 3 s"), e.getMessage());
        assertTrue(e.getMessage().contains("--- last lines of"), e.getMessage());
        ManagedProcess p = cassandra.process().orElseThrow();
        assertFalse(p.isAlive(), "a failed start must stop its process");
        assertFalse(Files.exists(p.pidFile()));
    }
}
