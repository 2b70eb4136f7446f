package io.meridian.local.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds the processes recorded in a {@link StateDirectory}'s PID files and ends them. A recorded PID is
 * ended only when the live process still {@linkplain PidFile#matches matches} the record (same start
 * instant and executable), so a PID that the operating system handed to an unrelated process is never
 * killed; its stale record is just deleted.
 *
 * <p>Used on start (to clear what a JVM that died hard left behind), by {@code ./meridian down} (from
 * another JVM) and by {@code ./meridian status}.
 */
public final class PidReaper {

    private static final System.Logger LOG = System.getLogger(PidReaper.class.getName());

    private PidReaper() {
    }

    /** A recorded process and whether it still runs. */
    public record Recorded(PidFile record, Path file, boolean alive) {
    }

    /**
     * Every Meridian PID file in the state directory, with whether its process still runs. Files that are
     * not Meridian PID files are ignored.
     */
    public static List<Recorded> list(StateDirectory state) {
        List<Recorded> out = new ArrayList<>();
        for (Path file : pidFiles(state)) {
            readQuietly(file).ifPresent(r -> out.add(new Recorded(r, file, r.liveProcess().isPresent())));
        }
        return out;
    }

    /**
     * Ends every live process recorded in the state directory (with its descendants) and deletes all
     * Meridian PID files, stale or not.
     *
     * @param grace how long each process gets after SIGTERM before SIGKILL
     * @return the records of the processes that were alive and have been ended
     * @throws IllegalStateException naming the processes that survived SIGKILL
     */
    public static List<PidFile> reapAll(StateDirectory state, Duration grace) {
        List<Recorded> recorded = list(state);
        List<PidFile> ended = new ArrayList<>();
        List<String> survivors = new ArrayList<>();
        // Signal all first and wait in parallel, so N services take one grace period, not N.
        List<Recorded> live = new ArrayList<>();
        for (Recorded r : recorded) {
            if (r.alive()) {
                live.add(r);
            } else {
                delete(r.file());
            }
        }
        ProcessTermination.inParallel(live, r -> "meridian-reap-" + r.record().service(), r -> {
            Optional<ProcessHandle> handle = r.record().liveProcess();
            boolean gone = handle.map(h -> ProcessTermination.terminate(h, grace)).orElse(true);
            synchronized (ended) {
                if (gone) {
                    ended.add(r.record());
                    delete(r.file());
                } else {
                    survivors.add(r.record().service() + " (PID " + r.record().pid() + ")");
                }
            }
        });
        if (!survivors.isEmpty()) {
            throw new IllegalStateException("processes must be gone after SIGKILL, still alive: " + survivors);
        }
        ended.forEach(p -> LOG.log(System.Logger.Level.INFO, "ended leftover {0} (PID {1})", p.service(), p.pid()));
        return ended;
    }

    /**
     * Ends the one recorded process of {@code service}, if its record names a live process.
     *
     * @return the record of the process that was ended, or empty when none was running
     */
    public static Optional<PidFile> reap(StateDirectory state, String service, Duration grace) {
        Path file = state.pidFile(service);
        Optional<PidFile> record = Files.exists(file) ? readQuietly(file) : Optional.empty();
        if (record.isEmpty()) {
            return Optional.empty();
        }
        Optional<ProcessHandle> live = record.get().liveProcess();
        if (live.isPresent() && !ProcessTermination.terminate(live.get(), grace)) {
            throw new IllegalStateException(service + " (PID " + record.get().pid() + ") must be gone after SIGKILL, is still alive");
        }
        delete(file);
        return live.isPresent() ? record : Optional.empty();
    }

    private static List<Path> pidFiles(StateDirectory state) {
        try (Stream<Path> files = Files.list(state.runDirectory())) {
            return files.filter(f -> f.getFileName().toString().endsWith(".pid")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("could not list " + state.runDirectory(), e);
        }
    }

    private static Optional<PidFile> readQuietly(Path file) {
        try {
            return Optional.of(PidFile.read(file));
        } catch (IllegalArgumentException | UncheckedIOException e) {
            LOG.log(System.Logger.Level.WARNING, "ignoring {0}: {1}", file, e.getMessage());
            return Optional.empty();
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete PID file " + file, e);
        }
    }
}
