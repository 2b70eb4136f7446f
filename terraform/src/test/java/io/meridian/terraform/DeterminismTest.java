package io.meridian.terraform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.regions.RegionConfigs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Two synths of the same configs give byte-identical files. The second synth runs the command-line
 * entry point in a separate JVM and into a different directory, so output that depended on the JVM
 * (hash order), the time, or the output path would differ.
 */
class DeterminismTest {

    @Test
    void synthInAnotherJvm_intoAnotherDirectory_isByteIdentical() throws Exception {
        Path first = Synthesized.real().outDir();
        Path second = Synthesized.WORK.resolve("cli-run");
        Synthesized.deleteRecursively(second);

        String classpath = System.getProperty("meridian.infra.classes") + java.io.File.pathSeparator
                + Files.readString(Path.of(System.getProperty("meridian.infra.classpath"))).trim();
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-cp", classpath,
                "io.meridian.terraform.app.InfraMain", "synth",
                "--out", second.toString(), "--config-dir", RegionConfigs.locate().toString());
        Path log = Synthesized.WORK.resolve("cli-run.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "InfraMain synth did not finish within 5 minutes");
        assertEquals(0, process.exitValue(), "InfraMain synth failed:\n" + Files.readString(log));
        assertTrue(Files.readString(log).contains("synthesized 5 stacks"), Files.readString(log));

        List<Path> files = files(first);
        assertEquals(files, files(second), "both synths must write the same files");
        assertTrue(files.contains(Path.of("manifest.json")));
        for (Path file : files) {
            assertArrayEquals(Files.readAllBytes(first.resolve(file)), Files.readAllBytes(second.resolve(file)),
                    "differs: " + file);
            String text = Files.readString(first.resolve(file));
            assertFalse(text.contains(first.toString()) || text.contains(Synthesized.WORK.toString()),
                    file + " must not name the output directory");
        }
    }

    private static List<Path> files(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            return new ArrayList<>(new TreeSet<>(paths.filter(Files::isRegularFile).map(root::relativize).toList()));
        }
    }
}
