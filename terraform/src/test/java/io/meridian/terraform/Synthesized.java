package io.meridian.terraform;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.regions.RegionConfigs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Synthesized output, parsed. Synthesis costs seconds (the jsii runtime loads the AWS provider bundle
 * into node), so the synth of the real region-configs is made once per JVM and shared by every test
 * class.
 *
 * @param outDir the directory synth wrote to
 * @param stacks every stack's parsed {@code cdk.tf.json}, by stack name
 */
record Synthesized(Path outDir, Map<String, JsonNode> stacks) {

    static final ObjectMapper JSON = new ObjectMapper();

    /** Where tests write synth output: under the module's build directory, wiped per run. */
    static final Path WORK = Path.of("target", "synth-tests").toAbsolutePath();

    private static Synthesized real;

    /** The synth of the checkout's real region-configs, made on first use. */
    static synchronized Synthesized real() {
        if (real == null) {
            real = synth(RegionConfigs.loadDefault(), "real");
        }
        return real;
    }

    /** Synthesizes configs into a fresh directory {@code target/synth-tests/<name>} and parses it. */
    static Synthesized synth(RegionConfigs configs, String name) {
        Path out = WORK.resolve(name);
        deleteRecursively(out);
        MeridianInfra.synth(configs, out, Sizing.SMALLEST);
        return read(out);
    }

    /** Parses every stack of a synth output directory. */
    static Synthesized read(Path out) {
        Map<String, JsonNode> stacks = new TreeMap<>();
        try (Stream<Path> dirs = Files.list(out.resolve("stacks"))) {
            for (Path dir : dirs.toList()) {
                Path file = dir.resolve("cdk.tf.json");
                assertTrue(Files.isRegularFile(file), "every stack directory must hold cdk.tf.json, missing " + file);
                stacks.put(dir.getFileName().toString(), JSON.readTree(file.toFile()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Synthesized(out, stacks);
    }

    /** The region stacks only, by stack name. */
    Map<String, JsonNode> regionStacks() {
        Map<String, JsonNode> regions = new TreeMap<>(stacks);
        regions.remove(GlobalStack.NAME);
        return regions;
    }

    JsonNode global() {
        return stacks.get(GlobalStack.NAME);
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies a directory tree, for example the real region-configs into a temp dir a test may change. */
    static void copyRecursively(Path from, Path to) {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
