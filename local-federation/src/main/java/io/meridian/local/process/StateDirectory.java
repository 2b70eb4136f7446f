package io.meridian.local.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * The directory where Meridian keeps the state of the processes it runs, for example
 * {@code <repo>/.meridian/} for {@code ./meridian up} or {@code target/meridian-it/} for tests:
 * <pre>
 * run/&lt;service&gt;.pid     one PID file per running process (see {@link PidFile})
 * logs/&lt;service&gt;.log    stdout and stderr of the process, appended across runs
 * data/&lt;service&gt;/       the service's data directory, kept or wiped by the caller
 * conf/&lt;service&gt;/       generated configuration, rewritten on every start
 * </pre>
 * Directories are created on first use.
 */
public final class StateDirectory {

    private final Path root;

    private StateDirectory(Path root) {
        this.root = root;
    }

    /** A state directory at {@code root}, which need not exist yet. */
    public static StateDirectory at(Path root) {
        return new StateDirectory(Objects.requireNonNull(root, "root must not be null").toAbsolutePath().normalize());
    }

    public Path root() {
        return root;
    }

    /** The directory holding the PID files. */
    public Path runDirectory() {
        return mkdirs(root.resolve("run"));
    }

    public Path pidFile(String service) {
        return runDirectory().resolve(service + ".pid");
    }

    public Path logFile(String service) {
        return mkdirs(root.resolve("logs")).resolve(service + ".log");
    }

    /** The service's data directory, created when missing. */
    public Path dataDirectory(String service) {
        return mkdirs(root.resolve("data").resolve(service));
    }

    /** The service's generated-configuration directory, created when missing. */
    public Path confDirectory(String service) {
        return mkdirs(root.resolve("conf").resolve(service));
    }

    /** Deletes the service's data directory with everything in it; a missing directory is fine. */
    public void wipeData(String service) {
        deleteTree(root.resolve("data").resolve(service));
    }

    /** Deletes a directory tree; a missing directory is fine. */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    if (exc != null) {
                        throw exc;
                    }
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + dir, e);
        }
    }

    private static Path mkdirs(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not create " + dir, e);
        }
    }

    @Override
    public String toString() {
        return root.toString();
    }
}
