package io.meridian.local.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.local.process.StateDirectory;
import io.meridian.regions.RegionConfig;
import io.meridian.regions.RegionConfigs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The order in which a federation stops its services, with stand-in services that only record what happens to them. */
class FederationCloseTest {

    /** "stop <name>" and "stopped <name>", in the order they happened. */
    private final List<String> events = new CopyOnWriteArrayList<>();

    private ServiceProvider provider(String kind, int rank) {
        return new ServiceProvider() {
            @Override
            public String kind() {
                return kind;
            }

            @Override
            public boolean perRegion() {
                return false;
            }

            @Override
            public int startRank() {
                return rank;
            }

            @Override
            public BackingService create(ServiceContext context, Optional<RegionConfig> region) {
                return new BackingService() {
                    @Override
                    public String name() {
                        return kind;
                    }

                    @Override
                    public void start(Duration timeout) {
                    }

                    @Override
                    public boolean isReady() {
                        return true;
                    }

                    @Override
                    public void stop() {
                        events.add("stop " + kind);
                        try {
                            // long enough that a service stopped alongside would start stopping meanwhile
                            Thread.sleep(150);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        events.add("stopped " + kind);
                    }

                    @Override
                    public Path logFile() {
                        return Path.of(kind + ".log");
                    }

                    @Override
                    public Map<String, String> endpoints() {
                        return Map.of();
                    }
                };
            }
        };
    }

    @Test
    void close_stopsDependentsBeforeWhatTheyDependOn(@TempDir Path dir) {
        ServiceRegistry registry = ServiceRegistry.of(List.of(provider("store", 100), provider("node-a", 200), provider("node-b", 200),
                provider("gateway", 400), provider("identity", 0)));
        ServiceContext context = ServiceContext.ephemeral(RegionConfigs.loadDefault(), StateDirectory.at(dir), Backend.PROCESS);
        Federation f = Federation.open(context, registry, 4);
        f.start(List.of(ServiceRequest.of("identity"), ServiceRequest.of("store"), ServiceRequest.of("node-a"), ServiceRequest.of("node-b"),
                ServiceRequest.of("gateway")), Federation.Listener.NONE);
        f.close();

        assertEquals(10, events.size(), events.toString());
        assertEquals(List.of("stop gateway", "stopped gateway"), events.subList(0, 2), events.toString());
        // the two nodes of one rank stop together, and both are gone before the store is asked to stop
        assertEquals(List.of("stop", "stop", "stopped", "stopped"), events.subList(2, 6).stream().map(e -> e.split(" ")[0]).toList(),
                events.toString());
        assertEquals(List.of("stop store", "stopped store", "stop identity", "stopped identity"), events.subList(6, 10), events.toString());
        assertTrue(f.services().isEmpty());
    }
}
