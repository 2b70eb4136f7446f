package io.meridian.terraform.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The command line fails with a message for its operator, not a stack trace. The happy path runs in DeterminismTest. */
class InfraMainTest {

    @Test
    void missingConfigDirectory_exitsWithOne_namingTheDirectory() {
        String err = capturingStderr(() -> assertEquals(1,
                InfraMain.execute("synth", "--out", "target/never-written", "--config-dir", "target/no-such-region-configs")));
        assertTrue(err.startsWith("meridian infra: "), err);
        assertTrue(err.contains("no-such-region-configs"), err);
        assertTrue(!err.contains("\tat "), "no stack trace: " + err);
    }

    @Test
    void noSubcommand_isAUsageError() {
        String err = capturingStderr(() -> assertEquals(2, InfraMain.execute()));
        assertTrue(err.contains("synth"), err);
    }

    private static String capturingStderr(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
