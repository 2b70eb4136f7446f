package io.meridian.local.process;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

/**
 * The record Meridian writes for each process it starts: enough to find the process again from another
 * JVM ({@code ./meridian down}) and to prove that a live PID is still the process Meridian started, not an
 * unrelated one that reused the number.
 *
 * @param service    the service name
 * @param pid        the operating-system process id
 * @param started    when the operating system says the process started, if it told us
 * @param executable the executable of the process when it was recorded, for display only
 * @param commandLine the command line as launched, for display
 * @param logFile    where the process writes its output
 */
public record PidFile(String service, long pid, Optional<Instant> started, Optional<String> executable,
                      String commandLine, Path logFile) {

    public PidFile {
        Objects.requireNonNull(service, "service must not be null");
        Objects.requireNonNull(started, "started must not be null");
        Objects.requireNonNull(executable, "executable must not be null");
        Objects.requireNonNull(commandLine, "commandLine must not be null");
        Objects.requireNonNull(logFile, "logFile must not be null");
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be positive, was " + pid);
        }
    }

    /** The record of a process that was just started. */
    public static PidFile describe(String service, ProcessHandle handle, String commandLine, Path logFile) {
        ProcessHandle.Info info = handle.info();
        return new PidFile(service, handle.pid(), info.startInstant(), info.command(), commandLine, logFile);
    }

    /**
     * Whether {@code handle} is the very process this record describes: same PID and same start instant,
     * which together identify a process for the life of the machine. The executable is not compared,
     * because a launcher script may {@code exec} into another program (a shell into {@code java}) after
     * the record was written. When the operating system does not report the start instant the answer is
     * no, so Meridian never kills a process it cannot identify.
     */
    public boolean matches(ProcessHandle handle) {
        if (handle.pid() != pid || !handle.isAlive()) {
            return false;
        }
        return started.isPresent() && started.equals(handle.info().startInstant());
    }

    /** The live process this record describes, if it still runs. */
    public Optional<ProcessHandle> liveProcess() {
        return ProcessHandle.of(pid).filter(this::matches);
    }

    /** Writes the record atomically (write to a temporary file, then rename). */
    public void write(Path file) {
        Properties p = new Properties();
        p.setProperty("service", service);
        p.setProperty("pid", Long.toString(pid));
        started.ifPresent(s -> p.setProperty("started", s.toString()));
        executable.ifPresent(e -> p.setProperty("executable", e));
        p.setProperty("commandLine", commandLine);
        p.setProperty("logFile", logFile.toString());
        p.setProperty("owner", "meridian");
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                p.store(w, "written by Meridian local-federation; do not edit");
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write PID file " + file, e);
        }
    }

    /**
     * Reads a record.
     *
     * @throws IllegalArgumentException when the file is not a Meridian PID file
     * @throws UncheckedIOException when it cannot be read
     */
    public static PidFile read(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read PID file " + file, e);
        }
        if (!"meridian".equals(p.getProperty("owner")) || p.getProperty("pid") == null || p.getProperty("service") == null) {
            throw new IllegalArgumentException("PID file must have been written by Meridian, was " + file);
        }
        try {
            return new PidFile(
                    p.getProperty("service"),
                    Long.parseLong(p.getProperty("pid")),
                    Optional.ofNullable(p.getProperty("started")).map(Instant::parse),
                    Optional.ofNullable(p.getProperty("executable")),
                    p.getProperty("commandLine", ""),
                    Path.of(p.getProperty("logFile", "")));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("PID file must hold a valid record, was " + file + ": " + e.getMessage(), e);
        }
    }
}
