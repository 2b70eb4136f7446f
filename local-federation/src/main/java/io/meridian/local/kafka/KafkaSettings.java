package io.meridian.local.kafka;

import java.util.Objects;

/**
 * One single-node Kafka broker in KRaft mode (broker and controller in one process) on 127.0.0.1.
 *
 * @param name           the service name, for example {@code kafka-eu-central}
 * @param port           the client (PLAINTEXT) listener port
 * @param controllerPort the KRaft controller listener port
 * @param maxHeapMb      the maximum heap in MiB, 256-2048
 * @param freshData      whether the log directory is wiped and formatted before start
 */
public record KafkaSettings(String name, int port, int controllerPort, int maxHeapMb, boolean freshData) {

    public KafkaSettings {
        Objects.requireNonNull(name, "name must not be null");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("kafka port must be between 1 and 65535, was " + port);
        }
        if (controllerPort < 1 || controllerPort > 65535) {
            throw new IllegalArgumentException("kafka controller port must be between 1 and 65535, was " + controllerPort);
        }
        if (port == controllerPort) {
            throw new IllegalArgumentException("kafka port and kafka controller port must differ, both were " + port);
        }
        if (maxHeapMb < 256 || maxHeapMb > 2048) {
            throw new IllegalArgumentException("kafka max heap must be between 256 and 2048 MiB, was " + maxHeapMb);
        }
    }
}
