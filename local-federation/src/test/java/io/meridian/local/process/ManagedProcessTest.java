package io.meridian.local.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.local.service.ServiceStartException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManagedProcessTest {

    @TempDir
    Path tmp;

    private ProcessSpec shell(String name, String script) {
        return ProcessSpec.of(name, List.of("bash", "-c", script), tmp);
    }

    @Test
    void stop_endsProcessAndItsChildren_andDeletesPidFile() throws Exception {
        StateDirectory state = StateDirectory.at(tmp.resolve("state"));
        // bash starts a child sleep and waits; the child must die with it even though it ignores nothing
        ManagedProcess p = ManagedProcess.start(shell("parent", "sleep 300 & echo child $!; wait"), state);
        awaitDescendant(p);
        List<ProcessHandle> children = p.handle().descendants().toList();
        assertFalse(children.isEmpty(), "bash should have a sleep child");
        assertTrue(Files.exists(state.pidFile("parent")));
        assertEquals(p.pid(), PidFile.read(state.pidFile("parent")).pid());

        assertTrue(p.stop(Duration.ofSeconds(5)));

        assertFalse(p.isAlive());
        children.forEach(c -> assertFalse(c.isAlive(), "child " + c.pid() + " must be gone"));
        assertFalse(Files.exists(state.pidFile("parent")));
    }

    @Test
    void stop_killsForciblyWhenSigtermIsIgnored() throws Exception {
        StateDirectory state = StateDirectory.at(tmp.resolve("state"));
        ManagedProcess p = ManagedProcess.start(shell("stubborn", "trap '' TERM; echo armed; while true; do sleep 0.1; done"), state);
        Readiness.await(p, Duration.ofSeconds(10), () -> p.logTail(5).contains("armed"));

        long t0 = System.nanoTime();
        assertTrue(p.stop(Duration.ofMillis(500)));
        assertFalse(p.isAlive());
        assertTrue(Duration.ofNanos(System.nanoTime() - t0).toSeconds() < 10);
    }

    @Test
    void environmentAndLog_reachTheProcess() throws Exception {
        StateDirectory state = StateDirectory.at(tmp.resolve("state"));
        ManagedProcess p = ManagedProcess.start(shell("env", "echo value=$FOO; echo err >&2")
                .withEnvironment(Map.of("FOO", "bar")), state);
        p.handle().onExit().get();
        String log = p.logTail(10);
        assertTrue(log.contains("value=bar"), log);
        assertTrue(log.contains("err"), log);
        assertEquals(0, p.exitCode().orElseThrow());
    }

    @Test
    void readiness_timeoutCarriesLogTail() {
        StateDirectory state = StateDirectory.at(tmp.resolve("state"));
        ManagedProcess p = ManagedProcess.start(shell("slow", "echo still-booting; sleep 300"), state);
        try {
            ServiceStartException e = assertThrows(ServiceStartException.class,
                    () -> Readiness.await(p, Duration.ofMillis(800), () -> false));
            assertTrue(e.getMessage().contains("slow was not ready within"), e.getMessage());
            assertTrue(e.getMessage().contains("still-booting"), e.getMessage());
        } finally {
            assertTrue(p.stop(Duration.ofSeconds(5)));
        }
    }

    @Test
    void readiness_earlyExitFailsAtOnceWithLogTail() {
        StateDirectory state = StateDirectory.at(tmp.resolve("state"));
        ManagedProcess p = ManagedProcess.start(shell("crash", "echo bad-config-line; exit 3"), state);
        long t0 = System.nanoTime();
        ServiceStartException e = assertThrows(ServiceStartException.class,
                () -> Readiness.await(p, Duration.ofSeconds(60), () -> false));
        assertTrue(Duration.ofNanos(System.nanoTime() - t0).toSeconds() < 10);
        assertTrue(e.getMessage().contains("exited with code 3"), e.getMessage());
        assertTrue(e.getMessage().contains("bad-config-line"), e.getMessage());
    }

    @Test
    void reaper_endsRecordedLiveProcess() throws Exception {
        StateDirectory state = StateDirectory.at(tmp.resolve("state"));
        // Launch outside ManagedProcess's bookkeeping to simulate a JVM that died without stopping it.
        Process orphan = new ProcessBuilder("sleep", "300").start();
        PidFile.describe("orphan", orphan.toHandle(), "sleep 300", tmp.resolve("orphan.log")).write(state.pidFile("orphan"));

        List<PidFile> ended = PidReaper.reapAll(state, Duration.ofSeconds(5));

        assertEquals(1, ended.size());
        assertFalse(orphan.isAlive());
        assertFalse(Files.exists(state.pidFile("orphan")));
    }

    @Test
    void reaper_neverKillsAReusedPid() throws Exception {
        StateDirectory state = StateDirectory.at(tmp.resolve("state"));
        Process unrelated = new ProcessBuilder("sleep", "300").start();
        try {
            // A record with the live PID but another start time: the PID was reused by an unrelated process.
            PidFile real = PidFile.describe("reused", unrelated.toHandle(), "sleep 300", tmp.resolve("x.log"));
            PidFile stale = new PidFile("reused", real.pid(),
                    real.started().map(s -> s.minusSeconds(3600)), real.executable(), "sleep 300", tmp.resolve("x.log"));
            stale.write(state.pidFile("reused"));

            List<PidFile> ended = PidReaper.reapAll(state, Duration.ofSeconds(2));

            assertTrue(ended.isEmpty());
            assertTrue(unrelated.isAlive(), "an unrelated process must survive");
            assertFalse(Files.exists(state.pidFile("reused")), "the stale record must be deleted");
        } finally {
            unrelated.destroyForcibly().waitFor();
        }
    }

    @Test
    void start_refusesWhileRecordedProcessStillRuns() {
        StateDirectory state = StateDirectory.at(tmp.resolve("state"));
        ManagedProcess p = ManagedProcess.start(shell("once", "sleep 300"), state);
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> ManagedProcess.start(shell("once", "sleep 300"), state));
            assertTrue(e.getMessage().contains("must not be running already"), e.getMessage());
        } finally {
            assertTrue(p.stop(Duration.ofSeconds(5)));
        }
        assertEquals(Optional.empty(), PidReaper.reap(state, "once", Duration.ofSeconds(1)));
    }

    @Test
    void freePorts_areDistinctAndBindable() {
        int[] ports = FreePorts.allocate(5);
        assertEquals(5, java.util.Arrays.stream(ports).distinct().count());
        for (int port : ports) {
            assertTrue(FreePorts.isFree(port), "port " + port);
        }
    }

    private static void awaitDescendant(ManagedProcess p) throws InterruptedException {
        for (int i = 0; i < 100 && p.handle().descendants().findAny().isEmpty(); i++) {
            Thread.sleep(50);
        }
    }
}
