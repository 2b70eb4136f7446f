package io.meridian.local.service;

import io.meridian.local.process.FreePorts;
import io.meridian.local.process.ManagedProcess;
import io.meridian.local.process.PidReaper;
import io.meridian.local.process.ProcessSpec;
import io.meridian.local.process.Readiness;
import io.meridian.local.process.StateDirectory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link BackingService} run as one {@link ManagedProcess}. Subclasses say what to prepare (configuration,
 * data directory), what to launch, which ports it binds and how to probe readiness; this class does the
 * rest the same way for every service:
 * <ol>
 *   <li>ends a leftover process of the same name recorded by a JVM that died hard ({@link PidReaper});</li>
 *   <li>fails at once, naming the port, when one of {@link #ports()} is already taken;</li>
 *   <li>{@link #prepare()}, launch, then poll {@link #probe()} until ready;</li>
 *   <li>on a failed start, stops the process and throws {@link ServiceStartException} with the log tail.</li>
 * </ol>
 * Thread-safe; {@link #start} and {@link #stop} are idempotent.
 */
public abstract class ProcessBackedService implements BackingService {

    private final String name;
    private final StateDirectory state;
    private ManagedProcess process;

    protected ProcessBackedService(String name, StateDirectory state) {
        this.name = Objects.requireNonNull(name, "name must not be null");
        this.state = Objects.requireNonNull(state, "state must not be null");
    }

    /** Writes configuration and prepares the data directory; may run a short preparatory process. */
    protected abstract void prepare() throws Exception;

    /** The long-running process. */
    protected abstract ProcessSpec processSpec();

    /** The loopback ports the process binds; each must be free before launch. */
    protected abstract List<Integer> ports();

    /** Whether the service answers a real request now. May throw, which counts as not ready. */
    protected abstract boolean probe() throws Exception;

    /** Releases probe clients; called after the process is stopped or failed to start. */
    protected void releaseProbe() {
    }

    /** How long the process gets after SIGTERM before SIGKILL. */
    protected Duration stopGrace() {
        return Duration.ofSeconds(30);
    }

    @Override
    public final String name() {
        return name;
    }

    protected final StateDirectory state() {
        return state;
    }

    @Override
    public final synchronized void start(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout must not be null");
        if (process != null && process.isAlive()) {
            return;
        }
        PidReaper.reap(state, name, stopGrace());
        for (int port : ports()) {
            if (!FreePorts.isFree(port)) {
                throw new ServiceStartException(name + " needs port " + port + " on 127.0.0.1, which is already in use");
            }
        }
        try {
            prepare();
        } catch (ServiceStartException e) {
            throw e;
        } catch (Exception e) {
            throw new ServiceStartException(name + " could not be prepared: " + e.getMessage(), e);
        }
        process = ManagedProcess.start(processSpec(), state);
        try {
            Readiness.await(process, timeout, this::probe);
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
    }

    @Override
    public final boolean isReady() {
        ManagedProcess p;
        synchronized (this) {
            p = process;
        }
        if (p == null || !p.isAlive()) {
            return false;
        }
        try {
            return probe();
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public final synchronized void stop() {
        if (process == null) {
            return;
        }
        try {
            if (!process.stop(stopGrace())) {
                throw new IllegalStateException(name + " (PID " + process.pid() + ") must be gone after SIGKILL, is still alive");
            }
        } finally {
            releaseProbe();
        }
    }

    @Override
    public final Path logFile() {
        return state.logFile(name);
    }

    /** The process, once started. */
    public final synchronized Optional<ManagedProcess> process() {
        return Optional.ofNullable(process);
    }

    /**
     * The started process and its descendants that are alive now, for checks that nothing outlives a
     * stop; empty when stopped or never started.
     */
    public final List<ProcessHandle> processTree() {
        List<ProcessHandle> tree = new java.util.ArrayList<>();
        process().ifPresent(m -> {
            tree.add(m.handle());
            m.handle().descendants().forEach(tree::add);
        });
        tree.removeIf(h -> !h.isAlive());
        return tree;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + name + ", " + endpoints() + "]";
    }
}
