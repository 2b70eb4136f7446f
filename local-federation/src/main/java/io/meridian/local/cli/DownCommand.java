package io.meridian.local.cli;

import io.meridian.local.process.PidFile;
import io.meridian.local.process.PidReaper;
import io.meridian.local.process.ProcessTermination;
import io.meridian.local.process.StateDirectory;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * Stops what {@code up} started, from any terminal: SIGTERM to the {@code up} JVM (whose shutdown hook
 * stops its services gracefully), then ends whatever the PID files still name.
 */
@Command(name = "down", description = "Stop every service that ./meridian up started.")
final class DownCommand implements Callable<Integer> {

    @ParentCommand
    MeridianCli cli;

    @Override
    public Integer call() {
        StateDirectory state = cli.state();
        long t0 = System.nanoTime();
        if (Files.exists(StateFiles.upPid(state))) {
            PidFile up = PidFile.read(StateFiles.upPid(state));
            Optional<ProcessHandle> live = up.liveProcess();
            if (live.isPresent()) {
                System.out.println("asking meridian up (PID " + up.pid() + ") to stop its services...");
                // SIGTERM to meridian up alone: its shutdown stops the services in order, dependents first (a gateway
                // while its Cassandra still runs). Signalling its descendants too would stop them all at once.
                live.get().destroy();
                try {
                    live.get().onExit().get(90, java.util.concurrent.TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                    System.err.println("meridian up (PID " + up.pid() + ") did not stop within 90 s; ending it and its services");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (live.get().isAlive() || live.get().descendants().anyMatch(ProcessHandle::isAlive)) {
                    ProcessTermination.terminate(live.get(), Duration.ofSeconds(30));
                }
            }
        }
        List<PidFile> ended = PidReaper.reapAll(state, Duration.ofSeconds(30));
        ended.forEach(p -> System.out.println("ended leftover " + p.service() + " (PID " + p.pid() + ")"));
        List<PidReaper.Recorded> left = PidReaper.list(state);
        if (!left.isEmpty()) {
            System.err.println("still recorded: " + left);
            return 1;
        }
        System.out.printf("all Meridian services are stopped (%.1f s)%n", (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
