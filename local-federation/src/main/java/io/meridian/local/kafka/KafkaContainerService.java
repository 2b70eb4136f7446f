package io.meridian.local.kafka;

import io.meridian.local.process.ServerRuntime;
import io.meridian.local.service.ContainerBackedService;
import io.meridian.local.service.KafkaService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.testcontainers.kafka.KafkaContainer;

/** Kafka in the {@code apache/kafka} image (KRaft) at the version pinned in the parent pom. */
public final class KafkaContainerService extends ContainerBackedService<KafkaContainer> implements KafkaService {

    public KafkaContainerService(String name, Path logFile) {
        super(name, logFile);
    }

    @Override
    protected KafkaContainer newContainer(Duration timeout) {
        KafkaContainer c = new KafkaContainer("apache/kafka:" + ServerRuntime.version("kafka"));
        c.withStartupTimeout(timeout);
        return c;
    }

    @Override
    protected boolean probe(KafkaContainer c) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, c.getBootstrapServers());
        try (Admin admin = Admin.create(p)) {
            return !admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty();
        }
    }

    @Override
    public String bootstrapServers() {
        return container().getBootstrapServers();
    }

    @Override
    public Map<String, String> endpoints() {
        return Map.of("bootstrap", bootstrapServers());
    }
}
