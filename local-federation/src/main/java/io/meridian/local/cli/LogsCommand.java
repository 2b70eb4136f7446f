package io.meridian.local.cli;

import io.meridian.local.process.LogTail;
import io.meridian.local.process.StateDirectory;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Prints the end of a service's log, and follows it with {@code -f}. */
@Command(name = "logs", description = "Print (and with -f follow) a service's log.")
final class LogsCommand implements Callable<Integer> {

    @ParentCommand
    MeridianCli cli;

    @Parameters(index = "0", description = "service name, for example cassandra-eu-central, kafka-us-east, keycloak")
    String service;

    @Option(names = {"-n", "--lines"}, defaultValue = "100", description = "lines to print (default 100)")
    int lines;

    @Option(names = {"-f", "--follow"}, description = "keep printing new lines until Ctrl-C")
    boolean follow;

    @Override
    public Integer call() throws Exception {
        StateDirectory state = cli.state();
        Path log = state.root().resolve("logs").resolve(service + ".log");
        if (!Files.exists(log)) {
            try (Stream<Path> logs = Files.exists(state.root().resolve("logs")) ? Files.list(state.root().resolve("logs")) : Stream.empty()) {
                System.err.println("no log for " + service + "; known: "
                        + logs.map(p -> p.getFileName().toString().replaceFirst("\\.log$", "")).sorted().toList());
            }
            return 2;
        }
        System.out.println(LogTail.of(log, lines));
        if (follow) {
            follow(log);
        }
        return 0;
    }

    private static void follow(Path log) throws IOException, InterruptedException {
        long pos = Files.size(log);
        while (true) {
            long size = Files.size(log);
            if (size < pos) {
                pos = 0; // truncated
            }
            if (size > pos) {
                try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
                    f.seek(pos);
                    byte[] buf = new byte[(int) Math.min(size - pos, 1 << 20)];
                    f.readFully(buf);
                    pos += buf.length;
                    System.out.print(new String(buf, StandardCharsets.UTF_8));
                    System.out.flush();
                }
            }
            Thread.sleep(500);
        }
    }
}
