package io.meridian.local.service;

import io.meridian.local.process.FreePorts;
import io.meridian.local.process.StateDirectory;
import io.meridian.regions.RegionConfigs;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Everything a {@link ServiceProvider} needs to create a service for one federation: the loaded region
 * configs, the state directory, the backend, whether ports come from the configs or are free ephemeral
 * ones (tests), and whether data directories start empty.
 *
 * <p>Thread-safe: providers may be called from several start-up threads.
 */
public final class ServiceContext {

    private final RegionConfigs configs;
    private final StateDirectory state;
    private final Backend backend;
    private final boolean ephemeralPorts;
    private final boolean freshData;
    private final Map<String, Integer> assignedPorts = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> readyEndpoints = new ConcurrentHashMap<>();

    private ServiceContext(RegionConfigs configs, StateDirectory state, Backend backend, boolean ephemeralPorts,
                           boolean freshData) {
        this.configs = Objects.requireNonNull(configs, "configs must not be null");
        this.state = Objects.requireNonNull(state, "state must not be null");
        this.backend = Objects.requireNonNull(backend, "backend must not be null");
        this.ephemeralPorts = ephemeralPorts;
        this.freshData = freshData;
    }

    /** Ports from region-configs ({@code ./meridian up}). */
    public static ServiceContext configured(RegionConfigs configs, StateDirectory state, Backend backend, boolean freshData) {
        return new ServiceContext(configs, state, backend, false, freshData);
    }

    /** Free ephemeral ports and fresh data (tests), so runs never collide with {@code ./meridian up}. */
    public static ServiceContext ephemeral(RegionConfigs configs, StateDirectory state, Backend backend) {
        return new ServiceContext(configs, state, backend, true, true);
    }

    public RegionConfigs configs() {
        return configs;
    }

    public StateDirectory state() {
        return state;
    }

    public Backend backend() {
        return backend;
    }

    public boolean ephemeralPorts() {
        return ephemeralPorts;
    }

    /** Whether a service must wipe its data directory before starting. */
    public boolean freshData() {
        return freshData;
    }

    /**
     * The port a service listens on: {@code configured} normally, or a free ephemeral port in test mode.
     * The same {@code key} always gets the same port from one context.
     *
     * @param key        names the port uniquely in the federation, for example {@code cassandra-eu-central.cql}
     * @param configured the port from region-configs
     */
    public int port(String key, int configured) {
        if (!ephemeralPorts) {
            return configured;
        }
        return assignedPorts.computeIfAbsent(key, k -> FreePorts.allocate());
    }

    /** Records the endpoints of a service that became ready, for services that start after it. */
    public void recordReady(String serviceName, Map<String, String> endpoints) {
        readyEndpoints.put(serviceName, Map.copyOf(endpoints));
    }

    /**
     * The endpoints of a service of this federation that is ready, for a service that depends on it (a
     * region node on its region's Cassandra and Kafka), whatever backend runs it.
     *
     * @throws ServiceStartException naming the dependency and the ready services, when it is not ready
     */
    public Map<String, String> readyEndpoints(String serviceName, String dependent) {
        Map<String, String> e = readyEndpoints.get(serviceName);
        if (e == null) {
            throw new ServiceStartException(dependent + " needs " + serviceName + " to be ready first; ready are "
                    + new java.util.TreeSet<>(readyEndpoints.keySet()));
        }
        return e;
    }

    /** The endpoints of a service of this federation that is ready, or empty when it is not (an optional dependency). */
    public java.util.Optional<Map<String, String>> readyIfAny(String serviceName) {
        return java.util.Optional.ofNullable(readyEndpoints.get(serviceName));
    }

    /**
     * One endpoint of a dependency, by key.
     *
     * @throws ServiceStartException naming the dependent, the key and the endpoints the dependency offers
     */
    public static String endpoint(Map<String, String> endpoints, String key, String serviceName, String dependent) {
        String v = endpoints.get(key);
        if (v == null) {
            throw new ServiceStartException(dependent + " needs endpoint '" + key + "' of " + serviceName + ", which offers " + endpoints.keySet());
        }
        return v;
    }

    @Override
    public String toString() {
        return "ServiceContext[" + state + ", backend=" + backend + (ephemeralPorts ? ", ephemeral ports" : ", configured ports")
                + (freshData ? ", fresh data" : ", kept data") + "]";
    }

    /**
     * Lets a kind that has only a process implementation run under this context. Under processes that is
     * plain; under containers chosen automatically (Docker answered) the kind runs as a local process
     * beside the containers, and says so on standard error; under containers forced by
     * {@value Backend#PROPERTY} or {@value Backend#ENV} it is refused.
     *
     * @throws ServiceStartException naming the kind, when containers were forced
     */
    public void requireProcessBackend(String kind) {
        requireProcessBackend(kind, Backend.forced());
    }

    void requireProcessBackend(String kind, boolean backendForced) {
        if (backend == Backend.PROCESS) {
            return;
        }
        if (backendForced) {
            throw new ServiceStartException(kind + " runs only as a local process so far, was asked for backend "
                    + backend + "; set -D" + Backend.PROPERTY + "=process");
        }
        System.err.println(kind + " has no container implementation yet; it runs as a local process beside the containers");
    }
}
