package io.meridian.local.process;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What to launch as a {@link ManagedProcess}: a command line, its working directory and extra environment
 * variables. Immutable.
 *
 * @param name             a stable service name, used for the PID file and the log file; letters, digits,
 *                         {@code .}, {@code _} and {@code -} only
 * @param command          the program and its arguments; not empty
 * @param workingDirectory the directory the process starts in; created when missing
 * @param environment      variables added to (or replacing those of) the current environment
 */
public record ProcessSpec(String name, List<String> command, Path workingDirectory, Map<String, String> environment) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");

    public ProcessSpec {
        Objects.requireNonNull(name, "name must not be null");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("process name must match " + NAME + ", was " + name);
        }
        Objects.requireNonNull(command, "command must not be null");
        if (command.isEmpty()) {
            throw new IllegalArgumentException("command of " + name + " must not be empty");
        }
        command = List.copyOf(command);
        Objects.requireNonNull(workingDirectory, "workingDirectory must not be null");
        environment = Map.copyOf(Objects.requireNonNull(environment, "environment must not be null"));
    }

    /** A spec without extra environment variables. */
    public static ProcessSpec of(String name, List<String> command, Path workingDirectory) {
        return new ProcessSpec(name, command, workingDirectory, Map.of());
    }

    /** This spec with the given extra environment variables instead of the current ones. */
    public ProcessSpec withEnvironment(Map<String, String> env) {
        return new ProcessSpec(name, command, workingDirectory, env);
    }
}
