package io.meridian.local.process;

import io.meridian.local.service.ServiceStartException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The classpath of a Meridian app that local-federation runs from the repository's build (a region node, the
 * catalog): the module's {@code target/classes}, then the runtime dependencies its build wrote to a classpath file.
 */
public final class ModuleClasspath {

    private ModuleClasspath() {
    }

    /**
     * @param module        the module's directory name, for example {@code region-node}
     * @param classpathFile the file its build writes under {@code target/}, for example {@code node.classpath}
     * @throws ServiceStartException naming what is missing and the command that builds it
     */
    public static String of(Path repoRoot, String module, String classpathFile) {
        Path dir = repoRoot.resolve(module);
        Path classes = dir.resolve("target/classes");
        Path deps = dir.resolve("target").resolve(classpathFile);
        if (!Files.isDirectory(classes) || !Files.isRegularFile(deps)) {
            throw new ServiceStartException(module + " must be built first, was missing " + (Files.isDirectory(classes) ? deps : classes)
                    + "; build it with ./mvnw -B -q -DskipTests install -pl " + module + " -am");
        }
        try {
            return classes + java.io.File.pathSeparator + Files.readString(deps, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new ServiceStartException("could not read " + deps + ": " + e.getMessage(), e);
        }
    }
}
