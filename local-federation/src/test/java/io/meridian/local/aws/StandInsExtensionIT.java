package io.meridian.local.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.local.junit.MeridianServices;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The stand-ins as other modules' tests get them: through {@link MeridianServices}, which finds their
 * providers in the registry and starts them once for the test run.
 */
@MeridianServices(s3 = true, kinesis = true)
class StandInsExtensionIT {

    @Test
    void s3FromTheExtension_storesAnObject(S3MockService s3) {
        try (S3Client client = s3.client()) {
            client.createBucket(b -> b.bucket("extension-it"));
            client.putObject(p -> p.bucket("extension-it").key("hello"), RequestBody.fromString("hello from the extension"));
            assertEquals("hello from the extension", client.getObjectAsBytes(g -> g.bucket("extension-it").key("hello")).asUtf8String());
        }
    }

    @Test
    void kinesisFromTheExtension_acceptsARecord(KinesaliteService kinesis) throws Exception {
        try (KinesisClient client = kinesis.client()) {
            client.createStream(c -> c.streamName("extension-it").shardCount(1));
            for (int i = 0; i < 100 && !"ACTIVE".equals(
                    client.describeStreamSummary(d -> d.streamName("extension-it")).streamDescriptionSummary().streamStatusAsString()); i++) {
                Thread.sleep(100);
            }
            String shard = client.putRecord(p -> p.streamName("extension-it").partitionKey("k")
                    .data(SdkBytes.fromUtf8String("record"))).shardId();
            assertEquals("shardId-000000000000", shard);
            assertTrue(client.listStreams().streamNames().containsAll(List.of("extension-it")));
        }
    }
}
