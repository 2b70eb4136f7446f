package io.meridian.gateway.export;

import io.meridian.gateway.app.GatewayConfig;
import java.util.Objects;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.aws2.kinesis.Kinesis2Constants;
import org.apache.camel.component.aws2.s3.AWS2S3Constants;

/**
 * Writes an export to its sinks through camel-aws2-s3 and camel-aws2-kinesis. Endpoint URIs are built from validated
 * names only ({@link ExportRequest}); static credentials go in as {@code RAW(...)} options, which Camel masks in its logs.
 *
 * <p>Against the stand-ins: s3mock needs {@code overrideEndpoint}, {@code uriEndpointOverride} and {@code forcePathStyle};
 * kinesalite needs {@code cborEnabled=false} (Camel then switches the SDK's CBOR off for the JVM, which real Kinesis
 * accepts too).
 */
public final class ExportSinks {

    /** A sink refused or failed the write; the message names the sink, the cause is for the log. */
    public static final class SinkException extends Exception {
        private final String sink;

        SinkException(String sink, String message, Throwable cause) {
            super(message, cause);
            this.sink = sink;
        }

        /** {@code s3} or {@code kinesis}. */
        public String sink() {
            return sink;
        }
    }

    /** Where an S3 object landed. */
    public record S3Written(String bucket, String key, String etag) {
        public String uri() {
            return "s3://" + bucket + "/" + key;
        }
    }

    /** Where a Kinesis record landed. */
    public record KinesisWritten(String stream, String shardId, String sequenceNumber) {
        public String uri() {
            return "kinesis:" + stream + "/" + shardId + "/" + sequenceNumber;
        }
    }

    private final GatewayConfig.Export config;
    private final ProducerTemplate producer;

    /** @param camel the gateway's started context; the template is closed with it */
    public ExportSinks(GatewayConfig.Export config, CamelContext camel) {
        this.config = Objects.requireNonNull(config, "config must not be null");
        this.producer = Objects.requireNonNull(camel, "camel must not be null").createProducerTemplate();
    }

    /** Puts one object. */
    public S3Written putObject(String bucket, String key, byte[] body) throws SinkException {
        StringBuilder uri = new StringBuilder("aws2-s3://").append(bucket).append("?autoCreateBucket=false&region=").append(config.awsRegion());
        config.s3Endpoint().ifPresent(e -> uri.append("&overrideEndpoint=true&forcePathStyle=true&uriEndpointOverride=").append(e));
        credentials(uri);
        Exchange result = send("s3", uri.toString(), e -> {
            e.getMessage().setHeader(AWS2S3Constants.KEY, key);
            e.getMessage().setHeader(AWS2S3Constants.CONTENT_LENGTH, (long) body.length);
            e.getMessage().setHeader(AWS2S3Constants.CONTENT_TYPE, "application/json");
            e.getMessage().setBody(body);
        });
        if (result.getException() != null) {
            throw new SinkException("s3", "the S3 sink refused the export object s3://" + bucket + "/" + key + ": "
                    + reason(result.getException()), result.getException());
        }
        return new S3Written(bucket, key, result.getMessage().getHeader(AWS2S3Constants.E_TAG, "", String.class));
    }

    /** Deletes an object written by an export that then failed on another sink, so that nothing half-done stays behind. */
    public void deleteObject(String bucket, String key) throws SinkException {
        StringBuilder uri = new StringBuilder("aws2-s3://").append(bucket).append("?operation=deleteObject&region=").append(config.awsRegion());
        config.s3Endpoint().ifPresent(e -> uri.append("&overrideEndpoint=true&forcePathStyle=true&uriEndpointOverride=").append(e));
        credentials(uri);
        Exchange result = send("s3", uri.toString(), e -> e.getMessage().setHeader(AWS2S3Constants.KEY, key));
        if (result.getException() != null) {
            throw new SinkException("s3", "could not delete s3://" + bucket + "/" + key + ": " + reason(result.getException()), result.getException());
        }
    }

    /** Puts one record, partition key {@code partitionKey}. */
    public KinesisWritten putRecord(String stream, String partitionKey, byte[] body) throws SinkException {
        StringBuilder uri = new StringBuilder("aws2-kinesis://").append(stream).append("?region=").append(config.awsRegion());
        config.kinesisEndpoint().ifPresent(e -> uri.append("&overrideEndpoint=true&cborEnabled=false&uriEndpointOverride=").append(e));
        credentials(uri);
        Exchange result = send("kinesis", uri.toString(), e -> {
            e.getMessage().setHeader(Kinesis2Constants.PARTITION_KEY, partitionKey);
            e.getMessage().setBody(body);
        });
        if (result.getException() != null) {
            throw new SinkException("kinesis", "the Kinesis sink refused the export record for stream " + stream + ": "
                    + reason(result.getException()), result.getException());
        }
        return new KinesisWritten(stream, result.getMessage().getHeader(Kinesis2Constants.SHARD_ID, "", String.class),
                result.getMessage().getHeader(Kinesis2Constants.SEQUENCE_NUMBER, "", String.class));
    }

    /**
     * Sends through the endpoint; a failure to create or start the endpoint itself (thrown rather than set on the
     * exchange) is a failure of that sink too.
     */
    private Exchange send(String sink, String uri, org.apache.camel.Processor fill) throws SinkException {
        try {
            return producer.send(uri, fill);
        } catch (RuntimeException e) {
            // not the message: it may quote the endpoint URI, and with it the credentials
            throw new SinkException(sink, "the " + (sink.equals("s3") ? "S3" : "Kinesis") + " sink could not be opened ("
                    + e.getClass().getSimpleName() + ")", e);
        }
    }

    private void credentials(StringBuilder uri) {
        if (config.accessKeyId().isPresent()) {
            uri.append("&accessKey=RAW(").append(config.accessKeyId().get()).append(")&secretKey=RAW(")
                    .append(config.secretAccessKey().orElseThrow()).append(")");
        } else {
            uri.append("&useDefaultCredentialsProvider=true");
        }
    }

    /** The AWS error's own first line (its code and message), without the SDK's request ids and stack. */
    private static String reason(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int cut = m.indexOf(" (Service:");
        return cut > 0 ? m.substring(0, cut) : m.lines().findFirst().orElse(m);
    }
}
