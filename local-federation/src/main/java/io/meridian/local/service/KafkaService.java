package io.meridian.local.service;

/** A running Kafka broker, whichever backend runs it. */
public interface KafkaService extends BackingService {

    /** The {@code bootstrap.servers} value clients use, for example {@code 127.0.0.1:20092}. */
    String bootstrapServers();
}
