package io.meridian.local.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class BackendTest {

    @Test
    void ciUsesProcesses_evenWhenDockerAnswers() {
        assertEquals(Backend.PROCESS, Backend.select(null, Map.of("CI", "true"), () -> true));
    }

    @Test
    void dockerPresent_meansContainers_outsideCi() {
        assertEquals(Backend.CONTAINER, Backend.select(null, Map.of(), () -> true));
        assertEquals(Backend.PROCESS, Backend.select(null, Map.of(), () -> false));
    }

    @Test
    void propertyWinsOverEnvironmentAndCi() {
        assertEquals(Backend.PROCESS, Backend.select("process", Map.of(Backend.ENV, "container"), () -> true));
        assertEquals(Backend.CONTAINER, Backend.select(null, Map.of(Backend.ENV, "container", "CI", "true"), () -> true));
    }

    @Test
    void forcedContainerWithoutDocker_fails() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Backend.select("container", Map.of(), () -> false));
        assertEquals("meridian.backend=container needs a Docker daemon, and none answers", e.getMessage());
    }

    @Test
    void unknownBackend_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> Backend.select("vm", Map.of(), () -> false));
    }
}
