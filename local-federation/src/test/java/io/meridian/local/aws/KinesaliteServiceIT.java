package io.meridian.local.aws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.local.ServiceMeasurements;
import io.meridian.local.process.FreePorts;
import io.meridian.local.process.StateDirectory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/** Starts real kinesalite under node and talks to it through the AWS SDK v2 with CBOR off. */
class KinesaliteServiceIT {

    private static final Duration START_TIMEOUT = Duration.ofMinutes(1);

    private final StateDirectory state = StateDirectory.at(Path.of("target", "meridian-it", "kinesis"));
    private final int port = FreePorts.allocate();
    private KinesaliteService kinesis;

    @AfterEach
    void stopIfRunning() {
        if (kinesis != null) {
            kinesis.stop();
        }
    }

    @Test
    void putRecord_isReadBackFromItsShard_andStopLeavesNoProcess() {
        kinesis = start(true);
        byte[] payload = "{\"tenant\":\"lampco\",\"metric\":\"lumen\",\"count\":12}".getBytes(StandardCharsets.UTF_8);

        try (KinesisClient client = kinesis.client()) {
            client.createStream(c -> c.streamName("meridian-aggregates").shardCount(1));
            assertEquals(StreamStatus.ACTIVE, awaitActive(client, "meridian-aggregates"));

            PutRecordResponse put = client.putRecord(p -> p.streamName("meridian-aggregates")
                    .partitionKey("eu-central").data(SdkBytes.fromByteArray(payload)));
            String iterator = client.getShardIterator(g -> g.streamName("meridian-aggregates").shardId(put.shardId())
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            List<Record> records = readAtLeastOne(client, iterator);

            assertEquals(1, records.size(), "records were " + records);
            assertEquals("eu-central", records.get(0).partitionKey());
            assertEquals(put.sequenceNumber(), records.get(0).sequenceNumber());
            assertArrayEquals(payload, records.get(0).data().asByteArray());
        }

        List<ProcessHandle> tree = kinesis.processTree();
        assertFalse(tree.isEmpty());
        kinesis.stop();
        tree.forEach(p -> assertFalse(p.isAlive(), "kinesalite process " + p.pid() + " must be gone after stop"));
        assertFalse(kinesis.isReady());
    }

    @Test
    void keptData_keepsStreamsAcrossARestart() {
        kinesis = start(true);
        try (KinesisClient client = kinesis.client()) {
            client.createStream(c -> c.streamName("kept").shardCount(1));
            assertEquals(StreamStatus.ACTIVE, awaitActive(client, "kept"));
        }
        kinesis.stop();

        kinesis = start(false);
        try (KinesisClient client = kinesis.client()) {
            assertEquals(List.of("kept"), client.listStreams().streamNames());
        }
        kinesis.stop();

        kinesis = start(true);
        try (KinesisClient client = kinesis.client()) {
            assertTrue(client.listStreams().streamNames().isEmpty());
        }
    }

    /**
     * Polls the stream's status every 100 ms for at most 10 s (the SDK's waiter polls every 10 s);
     * kinesalite keeps a new stream CREATING for 500 ms.
     */
    private static StreamStatus awaitActive(KinesisClient client, String stream) {
        StreamStatus status = null;
        for (int i = 0; i < 100; i++) {
            status = client.describeStreamSummary(d -> d.streamName(stream)).streamDescriptionSummary().streamStatus();
            if (status == StreamStatus.ACTIVE) {
                return status;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for stream " + stream, e);
            }
        }
        return status;
    }

    /** GetRecords may answer empty before the record is visible; poll a bounded number of times. */
    private static List<Record> readAtLeastOne(KinesisClient client, String iterator) {
        List<Record> records = new ArrayList<>();
        String next = iterator;
        for (int i = 0; i < 20 && records.isEmpty(); i++) {
            String it = next;
            GetRecordsResponse response = client.getRecords(g -> g.shardIterator(it));
            records.addAll(response.records());
            next = response.nextShardIterator();
        }
        return records;
    }

    private KinesaliteService start(boolean fresh) {
        KinesaliteService service = new KinesaliteService(state, KinesaliteSettings.of(port, fresh));
        long t0 = System.nanoTime();
        service.start(START_TIMEOUT);
        ServiceMeasurements.report("kinesalite (fresh=" + fresh + ")", System.nanoTime() - t0, service.processTree());
        assertTrue(service.isReady());
        return service;
    }
}
