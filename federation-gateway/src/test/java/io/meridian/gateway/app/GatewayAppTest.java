package io.meridian.gateway.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link GatewayApp} as a process: a broken configuration ends it with status 1 and one line naming the setting. */
class GatewayAppTest {

    private static Process run(List<String> props, String secret) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx128m");
        cmd.addAll(props);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(GatewayApp.class.getName());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove(GatewayConfig.CLIENT_SECRET_ENV);
        if (secret != null) {
            pb.environment().put(GatewayConfig.CLIENT_SECRET_ENV, secret);
        }
        return pb.start();
    }

    private static String finish(Process p) throws Exception {
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("GatewayApp did not exit within 60 s");
        }
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void unknownRegion_exits1_namingTheSetting() throws Exception {
        Process p = run(List.of("-D" + GatewayConfig.REGION + "=mars-1"), "s");
        String out = finish(p);
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.contains("federation gateway: configuration is not usable: meridian.gateway.region must be one of ["), out);
    }

    @Test
    void missingSecret_exits1_namingTheVariable() throws Exception {
        Process p = run(List.of("-D" + GatewayConfig.REGION + "=eu-central"), null);
        String out = finish(p);
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.contains("MERIDIAN_GATEWAY_CLIENT_SECRET (the secret of Keycloak client gateway-eu-central) must be set"), out);
    }
}
