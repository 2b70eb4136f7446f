package io.meridian.regions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** A writable copy of the shipped region-configs directory, for tests that break or extend it. */
final class ConfigDir {

    private final Path root;

    private ConfigDir(Path root) {
        this.root = root;
    }

    /** Copies the data files (not the build output or sources) of the shipped directory into {@code target}. */
    static ConfigDir copyOfShipped(Path target) {
        Path shipped = RegionConfigs.locate();
        try {
            for (String name : List.of("jurisdictions.yaml", "policy-defaults.yaml", "local-services.yaml")) {
                Files.copy(shipped.resolve(name), target.resolve(name));
            }
            Files.createDirectories(target.resolve("regions"));
            try (Stream<Path> files = Files.list(shipped.resolve("regions"))) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.copy(f, target.resolve("regions").resolve(f.getFileName()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ConfigDir(target);
    }

    Path root() {
        return root;
    }

    Path file(String relative) {
        return root.resolve(relative);
    }

    /** Replaces the one occurrence of {@code from} in a file; fails when it is not there exactly once. */
    ConfigDir replace(String relative, String from, String to) {
        try {
            Path file = file(relative);
            String text = Files.readString(file);
            int at = text.indexOf(from);
            if (at < 0 || text.indexOf(from, at + 1) >= 0) {
                throw new IllegalStateException("expected exactly one '" + from + "' in " + file);
            }
            Files.writeString(file, text.substring(0, at) + to + text.substring(at + from.length()));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ConfigDir write(String relative, String content) {
        try {
            Files.writeString(file(relative), content);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The 1-based number of the first line of a file that contains {@code text}. */
    int lineOf(String relative, String text) {
        try {
            List<String> lines = Files.readAllLines(file(relative));
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).contains(text)) {
                    return i + 1;
                }
            }
            throw new IllegalStateException("'" + text + "' is not in " + relative);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
