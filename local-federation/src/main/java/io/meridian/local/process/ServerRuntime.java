package io.meridian.local.process;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Finds a Java server distribution that a runtime module (for example {@code runtime-cassandra}) resolved
 * into {@code ~/.m2}: the module's build writes the classpath to {@code target/runtime.classpath}, and
 * this module's build records that file's absolute path in {@code io/meridian/local/runtime.properties}.
 *
 * <p>The system property {@code meridian.runtime.<name>.classpath} may name another classpath file.
 */
public final class ServerRuntime {

    private static final String RESOURCE = "/io/meridian/local/runtime.properties";

    private ServerRuntime() {
    }

    /**
     * The classpath of server {@code name} ({@code cassandra} or {@code kafka}).
     *
     * @throws IllegalStateException naming the file and the Maven command that writes it, when it is missing
     */
    public static String classpath(String name) {
        String override = System.getProperty("meridian.runtime." + name + ".classpath");
        Path file = override != null ? Path.of(override) : Path.of(property(name + ".classpath.file"));
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("the " + name + " runtime classpath file must exist, was missing: " + file
                    + "; build it with ./mvnw -q -pl local-federation/runtime-" + name + " generate-resources");
        }
        try {
            String cp = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (cp.isEmpty()) {
                throw new IllegalStateException("the " + name + " runtime classpath must not be empty, was " + file);
            }
            return cp;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
    }

    /** The server version the build pinned, for example {@code 5.0.9}. */
    public static String version(String name) {
        return property(name + ".version");
    }

    /** The root of the checkout this module was built in. */
    public static Path repoRoot() {
        return Path.of(property("repo.root")).toAbsolutePath().normalize();
    }

    /** The {@code java} executable of the running JVM, used to launch server JVMs on the same Java. */
    public static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String property(String key) {
        Properties p = new Properties();
        try (InputStream in = ServerRuntime.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " must be on the classpath; build local-federation with ./mvnw");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + RESOURCE, e);
        }
        String v = p.getProperty(key);
        if (v == null || v.contains("${")) {
            throw new IllegalStateException(RESOURCE + " must define " + key + ", was " + v);
        }
        return v;
    }
}
