package io.meridian.local.aws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.local.ServiceMeasurements;
import io.meridian.local.process.FreePorts;
import io.meridian.local.process.StateDirectory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;

/** Starts the real s3mock JVM and talks to it through the AWS SDK v2. */
class S3MockServiceIT {

    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);

    private final StateDirectory state = StateDirectory.at(Path.of("target", "meridian-it", "s3"));
    private final int[] ports = FreePorts.allocate(2);
    private S3MockService s3;

    @AfterEach
    void stopIfRunning() {
        if (s3 != null) {
            s3.stop();
        }
    }

    @Test
    void putObject_isReadBackByteForByte_andStopLeavesNoProcess() {
        s3 = start(true);
        byte[] payload = new byte[300_000];
        new Random(42).nextBytes(payload);

        try (S3Client client = s3.client()) {
            client.createBucket(b -> b.bucket("meridian-exports"));
            client.putObject(p -> p.bucket("meridian-exports").key("eu-central/2026/11/agg.json"), RequestBody.fromBytes(payload));
            byte[] read = client.getObjectAsBytes(g -> g.bucket("meridian-exports").key("eu-central/2026/11/agg.json")).asByteArray();
            assertArrayEquals(payload, read);
            assertTrue(client.listBuckets().buckets().stream().anyMatch(b -> b.name().equals("meridian-exports")));
        }

        List<ProcessHandle> tree = s3.processTree();
        assertFalse(tree.isEmpty());
        s3.stop();
        tree.forEach(p -> assertFalse(p.isAlive(), "s3mock process " + p.pid() + " must be gone after stop"));
        assertFalse(s3.isReady());
    }

    @Test
    void keptData_survivesARestart_andFreshDataDoesNot() {
        s3 = start(true);
        try (S3Client client = s3.client()) {
            client.createBucket(b -> b.bucket("kept"));
            client.putObject(p -> p.bucket("kept").key("k"), RequestBody.fromString("still here"));
        }
        s3.stop();

        s3 = start(false);
        try (S3Client client = s3.client()) {
            assertEquals("still here", client.getObjectAsBytes(g -> g.bucket("kept").key("k")).asUtf8String());
        }
        s3.stop();

        s3 = start(true);
        try (S3Client client = s3.client()) {
            assertThrows(NoSuchBucketException.class, () -> client.headBucket(h -> h.bucket("kept")));
        }
    }

    private S3MockService start(boolean fresh) {
        S3MockService service = new S3MockService(state, S3MockSettings.of(ports[0], ports[1], fresh));
        long t0 = System.nanoTime();
        service.start(START_TIMEOUT);
        ServiceMeasurements.report("s3mock (fresh=" + fresh + ")", System.nanoTime() - t0, service.processTree());
        assertTrue(service.isReady());
        return service;
    }
}
