package io.meridian.local.keycloak;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Finds the unpacked Keycloak distribution: the system property {@value #PROPERTY}, else the path the
 * build wrote into {@value #RESOURCE} (the {@code target/} of {@code local-federation/runtime-keycloak}).
 */
final class KeycloakDistribution {

    static final String PROPERTY = "meridian.keycloak.home";
    static final String RESOURCE = "io/meridian/local/keycloak/runtime.properties";

    private KeycloakDistribution() {
    }

    /**
     * @throws IllegalStateException naming the path and the build command when no distribution is there
     */
    static Path locate() {
        String configured = System.getProperty(PROPERTY);
        Path home = configured != null && !configured.isBlank()
                ? Path.of(configured)
                : Path.of(buildProperties().getProperty("keycloak.home"));
        if (!Files.isRegularFile(home.resolve("bin").resolve("kc.sh"))) {
            throw new IllegalStateException("keycloak distribution must be unpacked at " + home
                    + ", is not; build it with ./mvnw -pl local-federation/runtime-keycloak package or set -D" + PROPERTY);
        }
        return home.toAbsolutePath().normalize();
    }

    private static Properties buildProperties() {
        try (InputStream in = KeycloakDistribution.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " must be on the classpath, is not; build local-federation");
            }
            Properties p = new Properties();
            p.load(in);
            if (p.getProperty("keycloak.home", "").contains("${")) {
                throw new IllegalStateException(RESOURCE + " must be filtered by the build, was not: " + p);
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + RESOURCE, e);
        }
    }
}
