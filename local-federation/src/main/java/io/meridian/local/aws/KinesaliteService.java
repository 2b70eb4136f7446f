package io.meridian.local.aws;

import io.meridian.local.process.ProcessSpec;
import io.meridian.local.process.StateDirectory;
import io.meridian.local.service.ProcessBackedService;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/**
 * The Kinesis stand-in: npm {@code kinesalite} under node, started through the project's {@code serve.js}
 * so it listens on 127.0.0.1 only, with its LevelDB store in the state directory's {@code data/kinesis/}.
 *
 * <p>kinesalite's CBOR answers do not suit the AWS SDK v2, so every SDK client of it must run with
 * {@value #CBOR_PROPERTY}{@code =false}; {@link #client()} sets that system property when it is absent.
 * Readiness is a {@code ListStreams} that answers.
 */
public final class KinesaliteService extends ProcessBackedService {

    /** The service name, also its PID and log file name. */
    public static final String NAME = "kinesis";
    /** The AWS SDK's system property that switches CBOR off. */
    public static final String CBOR_PROPERTY = "aws.cborEnabled";

    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);

    private final KinesaliteSettings settings;
    private volatile KinesisClient probeClient;

    /**
     * Creates the service; nothing starts until {@link #start(Duration)}.
     *
     * @param state    where the PID file, the log and the stream store go; not null
     * @param settings how to run it; not null
     */
    public KinesaliteService(StateDirectory state, KinesaliteSettings settings) {
        super(NAME, state);
        this.settings = Objects.requireNonNull(settings, "settings must not be null");
    }

    public KinesaliteSettings settings() {
        return settings;
    }

    /** {@code http://127.0.0.1:<port>}, the endpoint override for Kinesis clients. */
    public URI endpoint() {
        return URI.create("http://" + AwsStandIn.HOST + ":" + settings.port());
    }

    /** Where kinesalite keeps its LevelDB store. */
    public Path dataDirectory() {
        return state().root().resolve("data").resolve(NAME);
    }

    /**
     * A new Kinesis client for this stand-in: endpoint override and static development credentials. The
     * caller closes it.
     *
     * @throws IllegalStateException when {@value #CBOR_PROPERTY} is set to anything but {@code false}
     */
    public KinesisClient client() {
        return client(Duration.ofSeconds(30));
    }


    /** {@code kinesis}, the HTTP endpoint. */
    @Override
    public Map<String, String> endpoints() {
        Map<String, String> endpoints = new LinkedHashMap<>();
        endpoints.put("kinesis", endpoint().toString());
        return endpoints;
    }

    @Override
    protected void prepare() {
        if (settings.freshData()) {
            state().wipeData(NAME);
        }
        state().dataDirectory(NAME);
        probeClient = client(PROBE_TIMEOUT);
    }

    @Override
    protected ProcessSpec processSpec() {
        List<String> command = List.of(
                settings.node(),
                settings.directory().resolve("serve.js").toString(),
                "--host", AwsStandIn.HOST,
                "--port", Integer.toString(settings.port()),
                "--path", dataDirectory().toString());
        return ProcessSpec.of(NAME, command, settings.directory());
    }

    @Override
    protected List<Integer> ports() {
        return List.of(settings.port());
    }

    @Override
    protected boolean probe() {
        KinesisClient c = probeClient;
        if (c == null) {
            return false;
        }
        c.listStreams();
        return true;
    }

    @Override
    protected void releaseProbe() {
        KinesisClient c = probeClient;
        probeClient = null;
        if (c != null) {
            c.close();
        }
    }

    @Override
    protected Duration stopGrace() {
        return STOP_GRACE;
    }

    private KinesisClient client(Duration apiTimeout) {
        disableCbor();
        return KinesisClient.builder()
                .endpointOverride(endpoint())
                .region(AwsStandIn.REGION)
                .credentialsProvider(AwsStandIn.credentials())
                .overrideConfiguration(ClientOverrideConfiguration.builder().apiCallTimeout(apiTimeout).build())
                .build();
    }

    /** Sets {@value #CBOR_PROPERTY}=false for this JVM, unless already set; a conflicting value fails. */
    static void disableCbor() {
        String current = System.getProperty(CBOR_PROPERTY);
        if (current == null) {
            System.setProperty(CBOR_PROPERTY, "false");
        } else if (!"false".equalsIgnoreCase(current.trim())) {
            throw new IllegalStateException(CBOR_PROPERTY + " must be false for kinesalite, was " + current);
        }
    }
}
