package io.meridian.local.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A child process that Meridian started and will end: its output goes to a log file, a {@link PidFile} in
 * the {@link StateDirectory} records it, and it is ended with its descendants by {@link #stop(Duration)},
 * by a JVM shutdown hook when the launching JVM exits, or, when that JVM died hard, by {@link PidReaper}
 * on the next start.
 *
 * <p>Thread-safe. {@link #stop(Duration)} is idempotent.
 */
public final class ManagedProcess {

    private static final System.Logger LOG = System.getLogger(ManagedProcess.class.getName());
    private static final Set<ManagedProcess> LIVE = ConcurrentHashMap.newKeySet();
    private static final Duration HOOK_GRACE = Duration.ofSeconds(20);
    /** How long the reaper hook waits for an orderly stop under way ({@link #stoppedInOrderBy}) before ending the rest. */
    private static final Duration ORDERLY_WAIT = Duration.ofMinutes(3);
    private static volatile java.util.concurrent.CountDownLatch orderlyStop;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ManagedProcess::stopAllLive, "meridian-process-reaper"));
    }

    private final ProcessSpec spec;
    private final Process process;
    private final Path logFile;
    private final Path pidFile;
    private final Instant launched;

    private ManagedProcess(ProcessSpec spec, Process process, Path logFile, Path pidFile, Instant launched) {
        this.spec = spec;
        this.process = process;
        this.logFile = logFile;
        this.pidFile = pidFile;
        this.launched = launched;
    }

    /**
     * Launches {@code spec}, appending its stdout and stderr to {@code state.logFile(spec.name())} and
     * recording it in {@code state.pidFile(spec.name())}.
     *
     * @throws IllegalStateException when a live process recorded under the same name is still running
     *                               (stop it, or run {@link PidReaper} first)
     * @throws UncheckedIOException  when the process cannot be launched; the message names the command
     */
    public static ManagedProcess start(ProcessSpec spec, StateDirectory state) {
        Objects.requireNonNull(spec, "spec must not be null");
        Objects.requireNonNull(state, "state must not be null");
        Path pidFile = state.pidFile(spec.name());
        if (Files.exists(pidFile)) {
            PidFile old = PidFile.read(pidFile);
            if (old.liveProcess().isPresent()) {
                throw new IllegalStateException(spec.name() + " must not be running already, was PID " + old.pid()
                        + " (see " + pidFile + ")");
            }
        }
        Path logFile = state.logFile(spec.name());
        String commandLine = String.join(" ", spec.command());
        try {
            Files.createDirectories(spec.workingDirectory());
            Files.writeString(logFile, "=== " + Instant.now() + " meridian starts " + spec.name() + ": " + commandLine + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder pb = new ProcessBuilder(spec.command())
                    .directory(spec.workingDirectory().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(Redirect.appendTo(logFile.toFile()))
                    .redirectInput(Redirect.from(new java.io.File("/dev/null")));
            pb.environment().putAll(spec.environment());
            pb.environment().put("MERIDIAN_SERVICE", spec.name());
            Instant launched = Instant.now();
            Process process = pb.start();
            ManagedProcess managed = new ManagedProcess(spec, process, logFile, pidFile, launched);
            LIVE.add(managed);
            PidFile.describe(spec.name(), process.toHandle(), commandLine, logFile).write(pidFile);
            LOG.log(System.Logger.Level.DEBUG, "started {0} as PID {1}", spec.name(), process.pid());
            return managed;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + spec.name() + " with " + commandLine, e);
        }
    }

    public String name() {
        return spec.name();
    }

    public long pid() {
        return process.pid();
    }

    /** The process's handle, for inspecting its descendants. */
    public ProcessHandle handle() {
        return process.toHandle();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code, once the process has ended. */
    public OptionalInt exitCode() {
        return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
    }

    public Path logFile() {
        return logFile;
    }

    public Path pidFile() {
        return pidFile;
    }

    public Instant launched() {
        return launched;
    }

    /** The last {@code lines} lines of the log; never throws for I/O problems. */
    public String logTail(int lines) {
        return LogTail.of(logFile, lines);
    }

    /**
     * Ends the process and its descendants: SIGTERM, then SIGKILL after {@code grace}. Deletes the PID
     * file once they are gone.
     *
     * @return whether the process and all its descendants are gone
     */
    public boolean stop(Duration grace) {
        boolean gone = ProcessTermination.terminate(process.toHandle(), grace);
        if (gone) {
            LIVE.remove(this);
            deletePidFileIfOurs();
        }
        return gone;
    }

    private void deletePidFileIfOurs() {
        try {
            if (Files.exists(pidFile) && PidFile.read(pidFile).pid() == process.pid()) {
                Files.delete(pidFile);
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not delete PID file " + pidFile, e);
        }
    }

    /**
     * Tells the reaper hook that this JVM stops its processes itself, in its own order (dependents first), in a shutdown
     * hook of its own that counts {@code done} down when it has finished. The reaper, which would otherwise end every
     * live process at once and so stop a store under a service still writing to it, then waits for that (at most
     * {@link #ORDERLY_WAIT}) and ends only what is left.
     */
    public static void stoppedInOrderBy(java.util.concurrent.CountDownLatch done) {
        orderlyStop = Objects.requireNonNull(done, "done must not be null");
    }

    private static void stopAllLive() {
        java.util.concurrent.CountDownLatch orderly = orderlyStop;
        if (orderly != null) {
            try {
                if (!orderly.await(ORDERLY_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    LOG.log(System.Logger.Level.WARNING, "the orderly stop did not finish within " + ORDERLY_WAIT + "; ending what is left");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // One thread per process, so a slow Cassandra does not delay the others' SIGTERM.
        java.util.List<Thread> stoppers = LIVE.stream()
                .map(p -> new Thread(() -> p.stop(HOOK_GRACE), "meridian-stop-" + p.name()))
                .toList();
        stoppers.forEach(Thread::start);
        for (Thread t : stoppers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public String toString() {
        return "ManagedProcess[" + spec.name() + ", pid=" + process.pid() + (isAlive() ? ", alive" : ", exited") + "]";
    }
}
