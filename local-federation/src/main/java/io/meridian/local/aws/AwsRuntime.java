package io.meridian.local.aws;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Finds the AWS stand-ins that {@code local-federation/runtime-aws} laid out: a system property
 * ({@value #S3MOCK_PROPERTY}, {@value #KINESALITE_PROPERTY}), else the path the build wrote into
 * {@value #RESOURCE}.
 */
final class AwsRuntime {

    static final String S3MOCK_PROPERTY = "meridian.s3mock.jar";
    static final String KINESALITE_PROPERTY = "meridian.kinesalite.dir";
    static final String RESOURCE = "io/meridian/local/aws/runtime.properties";
    private static final String BUILD = "build it with ./mvnw -pl local-federation/runtime-aws package";

    private AwsRuntime() {
    }

    /**
     * The s3mock exec jar.
     *
     * @throws IllegalStateException naming the path and the build command when the jar is missing
     */
    static Path s3mockJar() {
        Path jar = configured(S3MOCK_PROPERTY, "s3mock.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("s3mock exec jar must exist at " + jar + ", does not; " + BUILD
                    + " or set -D" + S3MOCK_PROPERTY);
        }
        return jar;
    }

    /**
     * The directory holding {@code serve.js} and kinesalite's {@code node_modules}.
     *
     * @throws IllegalStateException naming the path and the build command when kinesalite is not installed
     */
    static Path kinesaliteDirectory() {
        Path dir = configured(KINESALITE_PROPERTY, "kinesalite.dir");
        if (!Files.isRegularFile(dir.resolve("serve.js"))
                || !Files.isRegularFile(dir.resolve("node_modules").resolve("kinesalite").resolve("package.json"))) {
            throw new IllegalStateException("kinesalite must be installed in " + dir + " (serve.js and node_modules), is not; "
                    + BUILD + " or set -D" + KINESALITE_PROPERTY);
        }
        return dir;
    }

    private static Path configured(String property, String key) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            value = buildProperties().getProperty(key);
        }
        return Path.of(value).toAbsolutePath().normalize();
    }

    private static Properties buildProperties() {
        try (InputStream in = AwsRuntime.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " must be on the classpath, is not; build local-federation");
            }
            Properties p = new Properties();
            p.load(in);
            if (p.toString().contains("${")) {
                throw new IllegalStateException(RESOURCE + " must be filtered by the build, was not: " + p);
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + RESOURCE, e);
        }
    }
}
