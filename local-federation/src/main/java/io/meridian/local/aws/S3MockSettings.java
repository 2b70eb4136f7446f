package io.meridian.local.aws;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How to run s3mock. Immutable; validated on construction.
 *
 * @param jar       the s3mock exec jar
 * @param httpPort  the loopback plain-HTTP port clients use
 * @param httpsPort the port of s3mock's HTTPS connector, which it always opens; must differ from httpPort
 * @param freshData whether to wipe the object store before starting
 */
public record S3MockSettings(Path jar, int httpPort, int httpsPort, boolean freshData) {

    public S3MockSettings {
        Objects.requireNonNull(jar, "jar must not be null");
        checkPort("s3 http port", httpPort);
        checkPort("s3 https port", httpsPort);
        if (httpPort == httpsPort) {
            throw new IllegalArgumentException("s3 http port and s3 https port must differ, were both " + httpPort);
        }
    }

    /**
     * Settings with the jar laid out by {@code local-federation/runtime-aws}.
     *
     * @throws IllegalStateException when the jar has not been built
     */
    public static S3MockSettings of(int httpPort, int httpsPort, boolean freshData) {
        return new S3MockSettings(AwsRuntime.s3mockJar(), httpPort, httpsPort, freshData);
    }

    private static void checkPort(String what, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(what + " must be between 1 and 65535, was " + port);
        }
    }
}
