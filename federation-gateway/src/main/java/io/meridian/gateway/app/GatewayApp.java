package io.meridian.gateway.app;

import com.datastax.oss.driver.api.core.CqlSession;
import io.meridian.auth.TokenValidator;
import io.meridian.gateway.audit.CassandraAuditRuns;
import io.meridian.gateway.export.CassandraExportSchedules;
import io.meridian.gateway.ledger.CassandraTransferLedger;
import java.net.InetSocketAddress;
import io.meridian.regions.RegionConfigs;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway as a process: {@code java -cp ... io.meridian.gateway.app.GatewayApp}, settings as {@link GatewayConfig}
 * describes. A broken configuration ends the process with status 1 and one line naming the setting; so does a start
 * that fails (a taken port, or the ledger's Cassandra unreachable, for example). SIGTERM stops it cleanly and closes the
 * Cassandra session.
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
        CqlSession session;
        CassandraTransferLedger ledger;
        try {
            session = CqlSession.builder().addContactPoints(config.cassandra().contactPoints().stream().map(GatewayApp::address).toList())
                    .withLocalDatacenter(config.cassandra().datacenter()).build();
        } catch (RuntimeException e) {
            System.err.println("federation gateway: cannot reach the ledger's Cassandra at " + config.cassandra().contactPoints() + ": " + e);
            System.exit(1);
            return;
        }
        Gateway gateway;
        try {
            ledger = CassandraTransferLedger.open(session, config.cassandra().keyspace(),
                    CassandraTransferLedger.localReplication(config.cassandra().datacenter()), config.region().value());
            TokenValidator tokens = new TokenValidator(config.jwksUri(), config.issuer().toString(), GatewayConfig.AUDIENCE, Clock.systemUTC());
            gateway = Gateway.start(config, tokens, Clock.systemUTC(), ledger,
                    CassandraExportSchedules.open(session, config.cassandra().keyspace()),
                    CassandraAuditRuns.open(session, config.cassandra().keyspace(), config.region().value()));
        } catch (Exception e) {
            session.close();
            System.err.println("federation gateway: could not start on " + GatewayConfig.BIND_HOST + ":" + config.port() + ": " + e);
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            // after the routes stopped, so that no request is still writing to the ledger: its chain keeps its head
            ledger.close();
            session.close();
            stopped.countDown();
        }, "gateway-shutdown"));
        stopped.await();
    }

    /** {@code host:port}, as {@link GatewayConfig.Cassandra} validated it. */
    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
