package io.meridian.region.command;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.HttpURLConnection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.eclipse.hono.client.ServerErrorException;
import org.eclipse.hono.client.kafka.HonoTopic;

/**
 * Makes sure a tenant's {@code hono.command.<tenant>} and {@code hono.command_response.<tenant>} topics exist
 * before the first command consumer of that tenant is registered.
 *
 * <p>Why: Hono 2.6.0's Kafka command router subscribes to {@code hono.command.*} by pattern. For a tenant
 * whose topic does not exist yet it triggers the topic's auto-creation and fails that first registration with
 * a 500 while the subscription catches up (DESIGN.md section 3.5). Creating the topics with the Kafka admin
 * client first, and waiting for the broker to confirm, avoids the failed SUBSCRIBE. It is done on the first
 * subscription of a tenant in this node's life (remembered in memory), not when the tenant is created, so
 * that tenants created before the node started, or while Kafka was down, are covered too. Partitions and
 * replication follow the broker's defaults.
 */
final class CommandTopics {

    private final Vertx vertx;
    private final Map<String, Object> adminConfig;
    private final Set<String> ensured = ConcurrentHashMap.newKeySet();
    private volatile Admin admin;

    /**
     * @param bootstrapServers the region's Kafka, {@code host:port[,...]}
     */
    CommandTopics(Vertx vertx, String bootstrapServers) {
        this.vertx = Objects.requireNonNull(vertx, "vertx must not be null");
        this.adminConfig = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.CLIENT_ID_CONFIG, "meridian-command-topics",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
    }

    /**
     * Ensures both command topics of a tenant exist.
     *
     * @return a future that succeeds once the broker has them, or fails with a {@link ServerErrorException} 503
     *         when Kafka cannot create them
     */
    Future<Void> ensure(String tenantId) {
        Objects.requireNonNull(tenantId, "tenantId must not be null");
        if (ensured.contains(tenantId)) {
            return Future.succeededFuture();
        }
        List<NewTopic> topics = List.of(
                new NewTopic(new HonoTopic(HonoTopic.Type.COMMAND, tenantId).toString(), Optional.empty(), Optional.empty()),
                new NewTopic(new HonoTopic(HonoTopic.Type.COMMAND_RESPONSE, tenantId).toString(), Optional.empty(), Optional.empty()));
        // the admin client's futures complete on its network thread; block a worker, never the event loop
        return vertx.<Void>executeBlocking(() -> {
            Admin a = admin();
            for (var entry : a.createTopics(topics).values().entrySet()) {
                try {
                    entry.getValue().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new ServerErrorException(HttpURLConnection.HTTP_UNAVAILABLE,
                                "cannot create Kafka topic " + entry.getKey() + ": " + e.getCause().getMessage(), e.getCause());
                    }
                }
            }
            ensured.add(tenantId);
            return null;
        }, false);
    }

    private synchronized Admin admin() {
        if (admin == null) {
            admin = Admin.create(adminConfig);
        }
        return admin;
    }

    /** Closes the admin client, if one was opened. */
    Future<Void> close() {
        return vertx.executeBlocking(() -> {
            synchronized (this) {
                if (admin != null) {
                    admin.close(java.time.Duration.ofSeconds(5));
                    admin = null;
                }
            }
            return null;
        }, false);
    }
}
