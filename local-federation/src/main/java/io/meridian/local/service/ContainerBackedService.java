package io.meridian.local.service;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Objects;
import org.testcontainers.containers.GenericContainer;

/**
 * A {@link BackingService} run as a Testcontainers container; used only on the
 * {@linkplain Backend#CONTAINER container backend}, that is when a Docker daemon answers. The container's
 * output is copied to the log file so start failures carry the same log tail as processes do.
 *
 * @param <C> the container type
 */
public abstract class ContainerBackedService<C extends GenericContainer<?>> implements BackingService {

    private final String name;
    private final Path logFile;
    private C container;

    protected ContainerBackedService(String name, Path logFile) {
        this.name = Objects.requireNonNull(name, "name must not be null");
        this.logFile = Objects.requireNonNull(logFile, "logFile must not be null");
    }

    /** A new, not yet started container, with its wait strategy set. */
    protected abstract C newContainer(Duration timeout);

    /** Whether the started container answers a real request. May throw, which counts as not ready. */
    protected abstract boolean probe(C started) throws Exception;

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final synchronized void start(Duration timeout) {
        if (container != null && container.isRunning()) {
            return;
        }
        C c = newContainer(timeout);
        c.withLogConsumer(frame -> append(frame.getUtf8String()));
        container = c;
        try {
            c.start();
        } catch (RuntimeException e) {
            stop();
            throw new ServiceStartException(name + " container did not start: " + e.getMessage() + "\n--- last lines of "
                    + logFile + " ---\n" + io.meridian.local.process.LogTail.of(logFile, 40), e);
        }
    }

    @Override
    public final boolean isReady() {
        C c;
        synchronized (this) {
            c = container;
        }
        try {
            return c != null && c.isRunning() && probe(c);
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public final synchronized void stop() {
        if (container != null) {
            container.stop();
        }
    }

    @Override
    public final Path logFile() {
        return logFile;
    }

    /** The running container. */
    protected final synchronized C container() {
        if (container == null || !container.isRunning()) {
            throw new IllegalStateException(name + " must be started first");
        }
        return container;
    }

    private void append(String text) {
        try {
            Files.createDirectories(logFile.toAbsolutePath().getParent());
            Files.writeString(logFile, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("could not append to " + logFile, e);
        }
    }
}
