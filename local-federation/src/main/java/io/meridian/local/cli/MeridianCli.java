package io.meridian.local.cli;

import io.meridian.local.process.ServerRuntime;
import io.meridian.local.process.StateDirectory;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./meridian}: runs a local federation from real processes. State (PID files, logs, data,
 * generated configuration) lives in {@code <repo>/.meridian/} unless {@code --state} says otherwise.
 */
@Command(name = "meridian", mixinStandardHelpOptions = true,
        description = "Runs the Meridian federation on this machine from real processes.",
        subcommands = {UpCommand.class, DownCommand.class, StatusCommand.class, LogsCommand.class, SimulateCommand.class,
                AuditCommand.class})
public final class MeridianCli {

    @Option(names = "--state", description = "state directory (default: <repo>/.meridian)", scope = CommandLine.ScopeType.INHERIT)
    Path stateDir;

    StateDirectory state() {
        return StateDirectory.at(stateDir != null ? stateDir : ServerRuntime.repoRoot().resolve(".meridian"));
    }

    public static void main(String[] args) {
        // quiet the drivers' INFO chatter; services log to their own files
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "error"));
        // Backend.select() asks Testcontainers for Docker; without one it logs an ERROR that is no error here
        System.setProperty("org.slf4j.simpleLogger.log.org.testcontainers", "off");
        System.setProperty("java.util.logging.config.file", System.getProperty("java.util.logging.config.file", "/dev/null"));
        System.exit(new CommandLine(new MeridianCli()).execute(args));
    }
}
