package io.meridian.load;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootstrapLoadTest {

    @Test
    void options_defaultsAndBounds() {
        BootstrapLoad.Options o = BootstrapLoad.Options.parse(new String[] {"--catalog", "http://127.0.0.1:8080/", "--devices-file", "d.tsv"});
        assertEquals(64, o.concurrency());
        assertEquals(30, o.durationSeconds());
        assertEquals(1_000_000, o.maxRequests());
        assertEquals("http://127.0.0.1:8080", o.catalog().toString(), "a trailing slash is dropped, so paths join cleanly");
        assertFalse(o.random());
    }

    @Test
    void options_refuseWhatCannotBeRun() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BootstrapLoad.Options.parse(new String[] {"--devices-file", "d.tsv"}));
        assertEquals("--catalog is required", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BootstrapLoad.Options.parse(new String[] {"--catalog", "http://127.0.0.1:1",
                "--devices-file", "d", "--concurrency", "0"}));
        assertTrue(e.getMessage().startsWith("--concurrency must be 1-10000, was 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BootstrapLoad.Options.parse(new String[] {"--catalog", "http://127.0.0.1:1",
                "--devices-file", "d", "--duraton", "5"}));
        assertEquals("unknown option --duraton", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BootstrapLoad.Options.parse(new String[] {"--catalog", "http://127.0.0.1:1",
                "--devices-file", "d", "--max-requests", "lots"}));
        assertEquals("--max-requests must be a whole number, was 'lots'", e.getMessage());
    }

    @Test
    void devicesFile_buildsOneBodyPerLine_andNamesABadLine(@TempDir Path dir) throws Exception {
        Path ok = Files.writeString(dir.resolve("ok.tsv"), "dev-1\ts1\ndev-2\ts2\n");
        List<BootstrapLoad.Device> devices = BootstrapLoad.readDevices(ok, "t1");
        assertEquals(2, devices.size());
        assertEquals(new JsonObject().put("tenant", "t1").put("device-id", "dev-2").put("secret", "s2"), devices.get(1).body().toJsonObject());
        Path bad = Files.writeString(dir.resolve("bad.tsv"), "dev-1\ts1\ndev-2 s2\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BootstrapLoad.readDevices(bad, "t1"));
        assertTrue(e.getMessage().endsWith("line 2 must be deviceId<TAB>secret"), e.getMessage());
    }

    @Test
    void prometheusText_givesTheBootstrapTimerByOutcome() {
        String text = """
                # TYPE meridian_catalog_bootstrap_seconds summary
                meridian_catalog_bootstrap_seconds_count{outcome="ok",} 1200.0
                meridian_catalog_bootstrap_seconds_sum{outcome="ok",} 3.6
                meridian_catalog_bootstrap_seconds_count{outcome="401",} 2.0
                meridian_catalog_bootstrap_seconds_sum{outcome="401",} 0.01
                # TYPE meridian_catalog_bootstrap_seconds_max gauge
                meridian_catalog_bootstrap_seconds_max{outcome="ok",} 0.042
                meridian_catalog_other_seconds_count{outcome="ok",} 99.0
                """;
        BootstrapLoad.Timers t = BootstrapLoad.parseTimers(text);
        assertArrayEquals(new double[] {1200.0, 3.6, 0.042}, t.byOutcome().get("ok"));
        assertArrayEquals(new double[] {2.0, 0.01, 0.0}, t.byOutcome().get("401"));
        assertEquals(2, t.byOutcome().size());
    }
}
