package io.meridian.local.cli;

import io.meridian.local.keycloak.MeridianRealm;
import io.meridian.local.sim.DevicePlan;
import io.meridian.local.sim.SimCounters;
import io.meridian.local.sim.SimDevice;
import io.meridian.local.sim.SimTenant;
import io.meridian.local.sim.Simulator;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code ./meridian simulate}: a fleet of simulated devices against the federation {@code ./meridian up} runs. It creates
 * one tenant under each allocation policy in the catalog, registers devices in several countries, and publishes
 * telemetry over MQTT to each device's region, printing the counters per region every few seconds until the time or
 * the message budget is used up, or Ctrl-C.
 */
@Command(name = "simulate", description = "Register simulated devices in several countries and publish telemetry to their regions.")
final class SimulateCommand implements Callable<Integer> {

    @ParentCommand
    MeridianCli cli;

    @Option(names = "--devices", defaultValue = "30", description = "devices to register (1-" + Simulator.MAX_DEVICES + ", default ${DEFAULT-VALUE})")
    int devices;

    @Option(names = "--rate", defaultValue = "10", description = "messages per second over the whole fleet (default ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--seconds", defaultValue = "60", description = "how long to publish (1-86400, default ${DEFAULT-VALUE})")
    long seconds;

    @Option(names = "--max-messages", description = "stop after this many messages (default: rate x seconds)")
    Long maxMessages;

    @Option(names = "--countries", split = ",", defaultValue = "DE,FR,ZA,US,GB,NG", description = "countries the devices declare (default ${DEFAULT-VALUE})")
    List<String> countries;

    @Override
    public Integer call() throws Exception {
        if (devices < 1 || devices > Simulator.MAX_DEVICES || seconds < 1 || seconds > 86_400 || !(rate > 0) || rate > Simulator.MAX_RATE) {
            System.err.printf("meridian simulate: --devices must be 1-%d, --seconds 1-86400 and --rate in (0, %.0f]; was %d, %d and %s%n",
                    Simulator.MAX_DEVICES, Simulator.MAX_RATE, devices, seconds, rate);
            return 2;
        }
        Map<String, Map<String, String>> endpoints = StateFiles.readEndpoints(cli.state());
        String catalog = endpoints.getOrDefault("catalog", Map.of()).get("api");
        String token = endpoints.getOrDefault("keycloak", Map.of()).get("token");
        if (catalog == null || token == null) {
            System.err.println("meridian simulate: no catalog or Keycloak in " + cli.state().root().resolve("endpoints.properties")
                    + "; start the federation first with ./meridian up");
            return 2;
        }
        // the catalog's tenant API admits a gateway's service client for any tenant; any running region's will do
        String region = endpoints.keySet().stream().filter(s -> s.startsWith("gateway-")).map(s -> s.substring("gateway-".length()))
                .findFirst().orElse("eu-central");
        Simulator sim = new Simulator(Simulator.Settings.of(URI.create(catalog), URI.create(token), MeridianRealm.gatewayClientId(region),
                MeridianRealm.gatewaySecret(region)));
        String run = UUID.randomUUID().toString().substring(0, 6);
        long t0 = System.nanoTime();
        System.out.printf("meridian simulate: run %s, tenants %s, %d devices in %s%n", run,
                SimTenant.DEFAULTS.stream().map(SimTenant::id).toList(), devices, countries);
        sim.ensureTenants(SimTenant.DEFAULTS);
        List<SimDevice> fleet = sim.register(DevicePlan.fleet(run, devices, SimTenant.DEFAULTS, countries.stream().map(String::trim).toList()));
        sim.lastRegistrationErrors().forEach(e -> System.err.println("  registration failed: " + e));
        System.out.printf("registered %d of %d devices in %.1f s%n", fleet.size(), devices, (System.nanoTime() - t0) / 1e9);
        if (fleet.isEmpty()) {
            return 1;
        }
        long budget = maxMessages != null ? maxMessages : Math.max(1, (long) Math.ceil(rate * seconds));
        Simulator.Run publishing = sim.publish(fleet, rate, Duration.ofSeconds(seconds), budget, Simulator.DEFAULT_PAYLOAD);
        Thread hook = new Thread(() -> {
            publishing.stop();
            try {
                publishing.await(Duration.ofSeconds(35));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            print(sim.counters(), t0, "stopped");
        }, "meridian-simulate-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        while (!publishing.await(Duration.ofSeconds(5))) {
            print(sim.counters(), t0, "running");
        }
        Runtime.getRuntime().removeShutdownHook(hook);
        print(sim.counters(), t0, "done");
        SimCounters.Counts total = sim.counters().total();
        return total.failed() == 0 && total.registrationFailures() == 0 ? 0 : 1;
    }

    private static void print(SimCounters counters, long t0, String what) {
        System.out.printf("[%5.1fs] %s%n", (System.nanoTime() - t0) / 1e9, what);
        counters.snapshot().forEach((region, c) -> System.out.printf("  %-12s %s%n", region, c));
        System.out.printf("  %-12s %s%n", "total", counters.total());
    }
}
