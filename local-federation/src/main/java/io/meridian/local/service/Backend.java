package io.meridian.local.service;

import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * What runs the backing services: local child processes (the default, and the only choice on CI) or
 * Testcontainers containers (only when a Docker daemon answers).
 *
 * <p>Chosen once per JVM by {@link #select}: the system property {@value #PROPERTY} or the environment
 * variable {@value #ENV} ({@code process} or {@code container}) wins; otherwise {@code CI=true} means
 * processes; otherwise containers when Docker is available, else processes. A backend that was asked for
 * and cannot start fails loudly; nothing is ever skipped.
 */
public enum Backend {
    PROCESS,
    CONTAINER;

    /** System property that forces a backend. */
    public static final String PROPERTY = "meridian.backend";
    /** Environment variable that forces a backend. */
    public static final String ENV = "MERIDIAN_BACKEND";

    /**
     * Chooses the backend from the JVM's properties and environment.
     *
     * @throws IllegalArgumentException when the property or variable names neither backend
     * @throws IllegalStateException    when containers are forced but no Docker daemon answers
     */
    public static Backend select() {
        return select(System.getProperty(PROPERTY), System.getenv(), ContainerSupport::dockerAvailable);
    }

    /** Whether {@value #PROPERTY} or {@value #ENV} names a backend, rather than leaving the choice to {@link #select}. */
    public static boolean forced() {
        String property = System.getProperty(PROPERTY);
        String env = System.getenv(ENV);
        return (property != null && !property.isBlank()) || (env != null && !env.isBlank());
    }

    static Backend select(String property, Map<String, String> env, BooleanSupplier dockerAvailable) {
        String forced = property != null && !property.isBlank() ? property : env.get(ENV);
        if (forced != null && !forced.isBlank()) {
            Backend b = parse(forced);
            if (b == CONTAINER && !dockerAvailable.getAsBoolean()) {
                throw new IllegalStateException(PROPERTY + "=container needs a Docker daemon, and none answers");
            }
            return b;
        }
        if ("true".equalsIgnoreCase(env.get("CI"))) {
            return PROCESS;
        }
        return dockerAvailable.getAsBoolean() ? CONTAINER : PROCESS;
    }

    /**
     * @throws IllegalArgumentException naming the value when it is neither {@code process} nor {@code container}
     */
    public static Backend parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PROPERTY + " must be process or container, was " + value, e);
        }
    }
}
