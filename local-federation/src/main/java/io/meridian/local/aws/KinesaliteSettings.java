package io.meridian.local.aws;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How to run kinesalite. Immutable; validated on construction.
 *
 * @param directory the directory holding {@code serve.js} and kinesalite's {@code node_modules}
 * @param node      the {@code node} executable, a name looked up on the PATH or a path
 * @param port      the loopback port
 * @param freshData whether to wipe the LevelDB store before starting
 */
public record KinesaliteSettings(Path directory, String node, int port, boolean freshData) {

    /** System property naming the {@code node} executable; default {@code node} from the PATH. */
    public static final String NODE_PROPERTY = "meridian.node";

    public KinesaliteSettings {
        Objects.requireNonNull(directory, "directory must not be null");
        Objects.requireNonNull(node, "node must not be null");
        if (node.isBlank()) {
            throw new IllegalArgumentException("node executable must not be blank");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("kinesis port must be between 1 and 65535, was " + port);
        }
    }

    /**
     * Settings with kinesalite as installed by {@code local-federation/runtime-aws} and {@code node} from
     * {@value #NODE_PROPERTY} or the PATH.
     *
     * @throws IllegalStateException when kinesalite has not been installed
     */
    public static KinesaliteSettings of(int port, boolean freshData) {
        return new KinesaliteSettings(AwsRuntime.kinesaliteDirectory(), System.getProperty(NODE_PROPERTY, "node"), port, freshData);
    }
}
