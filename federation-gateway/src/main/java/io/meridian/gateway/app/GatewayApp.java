package io.meridian.gateway.app;

import io.meridian.auth.TokenValidator;
import io.meridian.regions.RegionConfigs;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway as a process: {@code java -cp ... io.meridian.gateway.app.GatewayApp}, settings as {@link GatewayConfig}
 * describes. A broken configuration ends the process with status 1 and one line naming the setting; so does a start
 * that fails (a taken port, for example). SIGTERM stops it cleanly.
 */
public final class GatewayApp {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayApp.class);

    private GatewayApp() {
    }

    public static void main(String[] args) throws InterruptedException {
        GatewayConfig config;
        try {
            config = GatewayConfig.from(RegionConfigs.loadDefault(), System::getProperty, System::getenv);
        } catch (RuntimeException e) {
            // GatewayConfigException, region-configs' own RegionConfigException, or no region-configs directory found
            System.err.println("federation gateway: configuration is not usable: " + e.getMessage());
            System.exit(1);
            return;
        }
        LOG.info("starting with {}", config);
        Gateway gateway;
        try {
            TokenValidator tokens = new TokenValidator(config.jwksUri(), config.issuer().toString(), GatewayConfig.AUDIENCE, Clock.systemUTC());
            // TEMPORARY (this session): the Cassandra ledger replaces this before #7 is done; no aggregate route exists yet
            gateway = Gateway.start(config, tokens, Clock.systemUTC(), new io.meridian.gateway.ledger.InMemoryTransferLedger());
        } catch (Exception e) {
            System.err.println("federation gateway: could not start on " + GatewayConfig.BIND_HOST + ":" + config.port() + ": " + e);
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            stopped.countDown();
        }, "gateway-shutdown"));
        stopped.await();
    }
}
