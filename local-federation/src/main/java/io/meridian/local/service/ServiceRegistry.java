package io.meridian.local.service;

import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The {@link ServiceProvider}s on the classpath, by kind. */
public final class ServiceRegistry {

    private final Map<String, ServiceProvider> byKind;

    private ServiceRegistry(Map<String, ServiceProvider> byKind) {
        this.byKind = Map.copyOf(byKind);
    }

    /**
     * Loads the providers listed in {@code META-INF/services}.
     *
     * @throws IllegalStateException naming both classes when two providers claim the same kind
     */
    public static ServiceRegistry load() {
        Map<String, ServiceProvider> map = new TreeMap<>();
        for (ServiceProvider p : ServiceLoader.load(ServiceProvider.class, ServiceRegistry.class.getClassLoader())) {
            ServiceProvider old = map.putIfAbsent(p.kind(), p);
            if (old != null) {
                throw new IllegalStateException("service kind " + p.kind() + " must have one provider, has "
                        + old.getClass().getName() + " and " + p.getClass().getName());
            }
        }
        return new ServiceRegistry(map);
    }

    /** A registry of exactly these providers: for tests of the federation's life cycle with stand-in services. */
    static ServiceRegistry of(java.util.List<ServiceProvider> providers) {
        Map<String, ServiceProvider> map = new TreeMap<>();
        providers.forEach(p -> map.put(p.kind(), p));
        return new ServiceRegistry(map);
    }

    public Optional<ServiceProvider> find(String kind) {
        return Optional.ofNullable(byKind.get(kind));
    }

    /**
     * @throws IllegalStateException naming the known kinds when none provides {@code kind}
     */
    public ServiceProvider require(String kind) {
        ServiceProvider p = byKind.get(kind);
        if (p == null) {
            throw new IllegalStateException("service kind must be one of " + byKind.keySet() + ", was " + kind
                    + " (is its provider listed in META-INF/services/" + ServiceProvider.class.getName() + "?)");
        }
        return p;
    }

    /** The known kinds, sorted. */
    public java.util.Set<String> kinds() {
        return new java.util.TreeSet<>(byKind.keySet());
    }
}
