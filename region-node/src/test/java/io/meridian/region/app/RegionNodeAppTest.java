package io.meridian.region.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.region.adapter.mqtt.MqttAdapter;
import io.meridian.region.registry.RegistryConfig;
import io.meridian.regions.RegionConfig;
import io.meridian.regions.RegionConfigs;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegionNodeAppTest {

    @Test
    void registryConfig_comesFromTheRegionsFile() {
        RegionConfigs configs = RegionConfigs.loadDefault();
        for (String id : List.of("eu-central", "af-south")) {
            RegionConfig region = configs.require(id);
            RegistryConfig config = RegionNodeApp.registryConfig(configs, region);

            assertEquals(id, config.regionId());
            assertEquals(region.localPorts().registryApi(), config.port());
            assertEquals("127.0.0.1", config.bindAddress());
            assertEquals(region.localPorts().cassandraCql(), config.cassandraContactPoints().get(0).getPort());
            assertEquals(URI.create("http://127.0.0.1:" + configs.localServices().keycloak() + "/realms/meridian"), config.issuer());
            assertEquals("meridian_registry", config.keyspace());
        }
    }

    @Test
    void mqttConfig_comesFromTheRegionsFile() {
        RegionConfigs configs = RegionConfigs.loadDefault();
        for (String id : List.of("eu-central", "af-south")) {
            RegionConfig region = configs.require(id);
            var config = RegionNodeApp.mqttConfig(region);

            assertEquals(region.localPorts().mqtt(), config.port());
            assertEquals("127.0.0.1", config.bindAddress());
            assertEquals(region.localPorts().mqttTls(), RegionNodeApp.mqttTlsPort(region));
            assertEquals(MqttAdapter.Config.DEFAULT_MAX_PAYLOAD_SIZE, config.maxPayloadSize());
            assertEquals(java.nio.file.Path.of(".meridian", id, "tls"), RegionNodeApp.tlsDirectory(region));
            assertEquals("127.0.0.1:" + region.localPorts().kafka(), RegionNodeApp.kafkaBootstrap(region));
        }
    }

    @Test
    void httpConfig_comesFromTheRegionsFile() {
        RegionConfigs configs = RegionConfigs.loadDefault();
        for (String id : List.of("eu-central", "af-south")) {
            RegionConfig region = configs.require(id);
            var config = RegionNodeApp.httpConfig(region);

            assertEquals(region.localPorts().httpAdapter(), config.port());
            assertEquals(region.localPorts().httpsAdapter(), RegionNodeApp.httpTlsPort(region));
            assertTrue(config.tls().isEmpty(), "main adds the node's TLS material");
            assertEquals("127.0.0.1", config.bindAddress());
            assertEquals(2048, config.maxPayloadSize(), "Hono's default maximum payload size");
        }
    }
}
