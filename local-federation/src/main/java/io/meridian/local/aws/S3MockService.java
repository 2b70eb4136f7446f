package io.meridian.local.aws;

import io.meridian.local.process.ProcessSpec;
import io.meridian.local.process.ServerRuntime;
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
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * The S3 stand-in: Adobe's s3mock exec jar as a child JVM, serving plain HTTP on the configured port of
 * 127.0.0.1 and keeping its buckets in the state directory's {@code data/s3/}.
 *
 * <p>s3mock always opens a second, HTTPS connector as well (default 9191). It is bound to 127.0.0.1 on
 * its own port ({@link S3MockSettings#httpsPort()}), so two instances and other services never collide
 * on s3mock's defaults. s3mock's plain HTTP connector takes no address setting and listens on all
 * interfaces of its port; clients always use 127.0.0.1.
 *
 * <p>Readiness is an S3 {@code ListBuckets} that answers. Clients must use path-style addressing; see
 * {@link #client()}.
 */
public final class S3MockService extends ProcessBackedService {

    /** The service name, also its PID and log file name. */
    public static final String NAME = "s3";

    private static final Duration STOP_GRACE = Duration.ofSeconds(15);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);

    private final S3MockSettings settings;
    private volatile S3Client probeClient;

    /**
     * Creates the service; nothing starts until {@link #start(Duration)}.
     *
     * @param state    where the PID file, the log and the object store go; not null
     * @param settings how to run it; not null
     */
    public S3MockService(StateDirectory state, S3MockSettings settings) {
        super(NAME, state);
        this.settings = Objects.requireNonNull(settings, "settings must not be null");
    }

    public S3MockSettings settings() {
        return settings;
    }

    /** {@code http://127.0.0.1:<port>}, the endpoint override for S3 clients. */
    public URI endpoint() {
        return URI.create("http://" + AwsStandIn.HOST + ":" + settings.httpPort());
    }

    /** Where s3mock keeps buckets and objects. */
    public Path dataDirectory() {
        return state().root().resolve("data").resolve(NAME);
    }

    /**
     * A new S3 client for this stand-in: endpoint override, path-style access, static development
     * credentials. The caller closes it.
     */
    public S3Client client() {
        return client(Duration.ofSeconds(30));
    }


    /** {@code s3} (the plain HTTP endpoint) and {@code s3-https} (s3mock's self-signed HTTPS connector). */
    @Override
    public Map<String, String> endpoints() {
        Map<String, String> endpoints = new LinkedHashMap<>();
        endpoints.put("s3", endpoint().toString());
        endpoints.put("s3-https", "https://" + AwsStandIn.HOST + ":" + settings.httpsPort());
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
        Path data = dataDirectory();
        List<String> command = List.of(
                ServerRuntime.javaExecutable(),
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-jar", settings.jar().toString(),
                "--server.address=" + AwsStandIn.HOST,
                "--server.port=" + settings.httpsPort(),
                "--http.port=" + settings.httpPort(),
                "--com.adobe.testing.s3mock.store.root=" + data,
                // s3mock deletes its store on exit unless told to keep it; fresh data is decided in prepare().
                "--com.adobe.testing.s3mock.store.retainFilesOnExit=true",
                "--com.adobe.testing.s3mock.store.region=" + AwsStandIn.REGION.id());
        return ProcessSpec.of(NAME, command, data);
    }

    @Override
    protected List<Integer> ports() {
        return List.of(settings.httpPort(), settings.httpsPort());
    }

    @Override
    protected boolean probe() {
        S3Client c = probeClient;
        if (c == null) {
            return false;
        }
        c.listBuckets();
        return true;
    }

    @Override
    protected void releaseProbe() {
        S3Client c = probeClient;
        probeClient = null;
        if (c != null) {
            c.close();
        }
    }

    @Override
    protected Duration stopGrace() {
        return STOP_GRACE;
    }

    private S3Client client(Duration apiTimeout) {
        return S3Client.builder()
                .endpointOverride(endpoint())
                .region(AwsStandIn.REGION)
                .credentialsProvider(AwsStandIn.credentials())
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .overrideConfiguration(ClientOverrideConfiguration.builder().apiCallTimeout(apiTimeout).build())
                .build();
    }
}
