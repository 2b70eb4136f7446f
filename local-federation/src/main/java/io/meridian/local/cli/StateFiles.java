package io.meridian.local.cli;

import io.meridian.local.process.StateDirectory;
import io.meridian.local.service.BackingService;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Files the CLI keeps beside the PID files: {@code up.pid} (the foreground {@code up} JVM) and
 * {@code endpoints.properties} (what {@code up} started, for {@code status}).
 */
final class StateFiles {

    private StateFiles() {
    }

    static Path upPid(StateDirectory state) {
        return state.root().resolve("up.pid");
    }

    static Path endpointsFile(StateDirectory state) {
        return state.root().resolve("endpoints.properties");
    }

    static void writeEndpoints(StateDirectory state, Collection<BackingService> services) {
        Properties p = new Properties();
        for (BackingService s : services) {
            s.endpoints().forEach((k, v) -> p.setProperty(s.name() + "." + k, v));
        }
        try (Writer w = Files.newBufferedWriter(endpointsFile(state), StandardCharsets.UTF_8)) {
            p.store(w, "written by ./meridian up");
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + endpointsFile(state), e);
        }
    }

    /** service -> (endpoint name -> value), empty when {@code up} never ran. */
    static Map<String, Map<String, String>> readEndpoints(StateDirectory state) {
        Map<String, Map<String, String>> out = new TreeMap<>();
        Path file = endpointsFile(state);
        if (!Files.exists(file)) {
            return out;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
        for (String key : p.stringPropertyNames()) {
            int dot = key.indexOf('.');
            out.computeIfAbsent(key.substring(0, dot), k -> new TreeMap<>()).put(key.substring(dot + 1), p.getProperty(key));
        }
        return out;
    }
}
