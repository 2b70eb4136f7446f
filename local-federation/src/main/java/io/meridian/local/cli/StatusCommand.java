package io.meridian.local.cli;

import io.meridian.local.process.PidReaper;
import io.meridian.local.process.StateDirectory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** One line per recorded service: PID, whether the process runs, uptime, and whether its endpoints accept connections. */
@Command(name = "status", description = "Show each service's process and health.")
final class StatusCommand implements Callable<Integer> {

    @ParentCommand
    MeridianCli cli;

    @Override
    public Integer call() {
        StateDirectory state = cli.state();
        Map<String, PidReaper.Recorded> recorded = new TreeMap<>();
        PidReaper.list(state).forEach(r -> recorded.put(r.record().service(), r));
        Map<String, Map<String, String>> endpoints = StateFiles.readEndpoints(state);
        if (recorded.isEmpty()) {
            System.out.println("nothing is running (no PID files in " + state.runDirectory() + ")");
            return 0;
        }
        System.out.printf("%-22s %-8s %-8s %-9s %s%n", "SERVICE", "PID", "PROCESS", "UPTIME", "HEALTH");
        int unhealthy = 0;
        for (PidReaper.Recorded r : recorded.values()) {
            String uptime = r.record().started().map(s -> Duration.between(s, Instant.now()))
                    .map(d -> String.format("%dm%02ds", d.toMinutes(), d.toSecondsPart())).orElse("?");
            String health = r.alive() ? health(endpoints.getOrDefault(r.record().service(), Map.of())) : "down";
            if (!health.startsWith("ok")) {
                unhealthy++;
            }
            System.out.printf("%-22s %-8d %-8s %-9s %s%n", r.record().service(), r.record().pid(),
                    r.alive() ? "running" : "dead", r.alive() ? uptime : "-", health);
        }
        return unhealthy == 0 ? 0 : 3;
    }

    /** "ok" when every host:port endpoint accepts a TCP connection. */
    private static String health(Map<String, String> endpoints) {
        StringBuilder failing = new StringBuilder();
        int checked = 0;
        for (Map.Entry<String, String> e : endpoints.entrySet()) {
            String v = e.getValue().replaceFirst("^[a-z]+://", "").replaceFirst("/.*$", "");
            int colon = v.lastIndexOf(':');
            if (colon < 0 || !v.substring(colon + 1).chars().allMatch(Character::isDigit) || colon == v.length() - 1) {
                continue;
            }
            checked++;
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(v.substring(0, colon), Integer.parseInt(v.substring(colon + 1))), 1000);
            } catch (IOException ex) {
                failing.append(' ').append(e.getKey()).append('=').append(v);
            }
        }
        if (checked == 0) {
            return "ok (process only; no endpoints recorded)";
        }
        return failing.length() == 0 ? "ok (" + checked + " endpoints answer)" : "NOT ANSWERING:" + failing;
    }
}
