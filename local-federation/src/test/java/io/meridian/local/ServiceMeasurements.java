package io.meridian.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Prints start time and resident memory of a service's processes, for the numbers in the README. */
public final class ServiceMeasurements {

    private ServiceMeasurements() {
    }

    /**
     * Prints one line: the service, how long its start took, and the summed RSS of its live processes
     * (read from {@code /proc}; "n/a" where there is no {@code /proc}).
     */
    public static void report(String service, long startNanos, List<ProcessHandle> tree) {
        long kib = 0;
        boolean known = true;
        for (ProcessHandle p : tree) {
            long rss = rssKib(p.pid());
            if (rss < 0) {
                known = false;
            } else {
                kib += rss;
            }
        }
        System.out.printf("measurement: %s ready in %.1f s, RSS %s over %d process(es)%n", service,
                startNanos / 1e9, known ? (kib / 1024) + " MiB" : "n/a", tree.size());
    }

    private static long rssKib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            return -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}
