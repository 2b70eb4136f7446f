package io.meridian.gateway.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.gateway.aggregates.FederatedAggregates;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What to export and where: the federated query and at least one sink. Parsed from the body of
 * {@code POST /v1/tenants/{t}/exports} (and, with {@code every}, of an export schedule), every name validated before
 * anything runs, so that a bucket, prefix or stream name can neither escape into an endpoint URI nor into another
 * tenant's objects (the tenant is always part of the object key).
 *
 * @param query   the federated aggregate query
 * @param s3      the S3 sink, if any
 * @param kinesis the Kinesis sink, if any
 */
public record ExportRequest(FederatedAggregates.Query query, Optional<S3Sink> s3, Optional<KinesisSink> kinesis) {

    /** S3 bucket names: 3-63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit. */
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    /** Key prefixes: path segments of safe characters, no empty, '.' or '..' segment. */
    private static final Pattern PREFIX_SEGMENT = Pattern.compile("[A-Za-z0-9_.=-]{1,128}");
    /** Kinesis stream names. */
    private static final Pattern STREAM = Pattern.compile("[a-zA-Z0-9_.-]{1,128}");
    private static final Pattern METRIC = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
    private static final Set<String> RESOLUTIONS = Set.of("PT1M", "PT15M", "PT1H");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An S3 sink: the object goes to {@code <prefix>/<tenant>/<exportId>.json} in {@code bucket}. */
    public record S3Sink(String bucket, String prefix) {
        public String key(String tenant, java.util.UUID exportId) {
            return (prefix.isEmpty() ? "" : prefix + "/") + tenant + "/" + exportId + ".json";
        }
    }

    /** A Kinesis sink: one record to {@code stream}, partition key the tenant. */
    public record KinesisSink(String stream) {
    }

    public ExportRequest {
        Objects.requireNonNull(query, "query must not be null");
        Objects.requireNonNull(s3, "s3 must not be null");
        Objects.requireNonNull(kinesis, "kinesis must not be null");
        if (s3.isEmpty() && kinesis.isEmpty()) {
            throw new IllegalArgumentException("sinks must name at least one of s3 and kinesis");
        }
    }

    /**
     * Parses and validates a request body.
     *
     * @param body          the JSON body
     * @param allowedFields the top-level fields this endpoint takes besides {@code query} and {@code sinks}
     * @throws IllegalArgumentException naming the first field that is missing or unusable
     */
    public static ExportRequest parse(JsonNode body, Set<String> allowedFields) {
        if (body == null || !body.isObject()) {
            throw new IllegalArgumentException("the body must be a JSON object with query and sinks");
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!f.equals("query") && !f.equals("sinks") && !allowedFields.contains(f)) {
                throw new IllegalArgumentException("unknown field '" + f + "'");
            }
        }
        return new ExportRequest(query(body.get("query")), s3(body.path("sinks")), kinesis(body.path("sinks")));
    }

    private static FederatedAggregates.Query query(JsonNode q) {
        if (q == null || !q.isObject()) {
            throw new IllegalArgumentException("query must be an object with metric, resolution, from, to, group and merge");
        }
        for (Iterator<String> it = q.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!Set.of("metric", "resolution", "from", "to", "group", "merge").contains(f)) {
                throw new IllegalArgumentException("unknown field query." + f);
            }
        }
        String metric = text(q, "metric").orElseThrow(() -> new IllegalArgumentException("query.metric is required"));
        if (!METRIC.matcher(metric).matches()) {
            throw new IllegalArgumentException("query.metric must be 1-128 letters, digits or _.:-, was '" + metric + "'");
        }
        String resolution = text(q, "resolution").orElse("PT15M");
        if (!RESOLUTIONS.contains(resolution)) {
            throw new IllegalArgumentException("query.resolution must be one of PT1M, PT15M, PT1H, was '" + resolution + "'");
        }
        Optional<String> from = instant(q, "from");
        Optional<String> to = instant(q, "to");
        if (from.isPresent() && to.isPresent() && !Instant.parse(from.get()).isBefore(Instant.parse(to.get()))) {
            throw new IllegalArgumentException("query.from must be before query.to, were " + from.get() + " and " + to.get());
        }
        String group = text(q, "group").orElse("all");
        if (!group.equals("all") && !group.equals("geohash") && !group.matches("label:[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("query.group must be all, geohash or label:<key>, was '" + group + "'");
        }
        JsonNode merge = q.get("merge");
        if (merge != null && !merge.isBoolean()) {
            throw new IllegalArgumentException("query.merge must be true or false, was " + merge);
        }
        return new FederatedAggregates.Query(metric, resolution, from, to, group, merge != null && merge.asBoolean());
    }

    private static Optional<S3Sink> s3(JsonNode sinks) {
        JsonNode s = sinks.get("s3");
        if (s == null || s.isNull()) {
            return Optional.empty();
        }
        if (!s.isObject()) {
            throw new IllegalArgumentException("sinks.s3 must be an object with bucket and prefix");
        }
        String bucket = text(s, "bucket").orElseThrow(() -> new IllegalArgumentException("sinks.s3.bucket is required"));
        if (!BUCKET.matcher(bucket).matches() || bucket.contains("..")) {
            throw new IllegalArgumentException("sinks.s3.bucket must be an S3 bucket name (3-63 lower-case letters, digits, '.' and '-'), was '"
                    + bucket + "'");
        }
        String prefix = text(s, "prefix").orElse("");
        while (prefix.endsWith("/")) {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        if (prefix.length() > 512) {
            throw new IllegalArgumentException("sinks.s3.prefix must be at most 512 characters, was " + prefix.length());
        }
        if (!prefix.isEmpty()) {
            for (String segment : prefix.split("/", -1)) {
                if (!PREFIX_SEGMENT.matcher(segment).matches() || segment.equals(".") || segment.equals("..")) {
                    throw new IllegalArgumentException("sinks.s3.prefix must be '/'-separated segments of letters, digits and _.=- (no empty, '.' or"
                            + " '..' segment), was '" + prefix + "'");
                }
            }
        }
        return Optional.of(new S3Sink(bucket, prefix));
    }

    private static Optional<KinesisSink> kinesis(JsonNode sinks) {
        JsonNode k = sinks.get("kinesis");
        if (k == null || k.isNull()) {
            return Optional.empty();
        }
        if (!k.isObject()) {
            throw new IllegalArgumentException("sinks.kinesis must be an object with stream");
        }
        String stream = text(k, "stream").orElseThrow(() -> new IllegalArgumentException("sinks.kinesis.stream is required"));
        if (!STREAM.matcher(stream).matches()) {
            throw new IllegalArgumentException("sinks.kinesis.stream must be 1-128 letters, digits or _.-, was '" + stream + "'");
        }
        return Optional.of(new KinesisSink(stream));
    }

    private static Optional<String> text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw new IllegalArgumentException(field + " must be a non-empty string, was " + v);
        }
        return Optional.of(v.asText().trim());
    }

    private static Optional<String> instant(JsonNode q, String field) {
        Optional<String> v = text(q, field);
        v.ifPresent(s -> {
            try {
                Instant.parse(s);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("query." + field + " must be an ISO-8601 instant such as 2026-11-24T10:00:00Z, was '" + s + "'");
            }
        });
        return v;
    }

    /** This request as JSON, in the shape {@link #parse} takes: how a schedule is stored and listed. */
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        ObjectNode q = o.putObject("query");
        q.put("metric", query.metric()).put("resolution", query.resolution());
        query.from().ifPresent(f -> q.put("from", f));
        query.to().ifPresent(t -> q.put("to", t));
        q.put("group", query.group()).put("merge", query.merge());
        ObjectNode sinks = o.putObject("sinks");
        s3.ifPresent(s -> sinks.putObject("s3").put("bucket", s.bucket()).put("prefix", s.prefix()));
        kinesis.ifPresent(k -> sinks.putObject("kinesis").put("stream", k.stream()));
        return o;
    }

    /** The same request over the window {@code [from, to)}, for a scheduled run. */
    public ExportRequest over(Instant from, Instant to) {
        return new ExportRequest(new FederatedAggregates.Query(query.metric(), query.resolution(), Optional.of(from.toString()),
                Optional.of(to.toString()), query.group(), query.merge()), s3, kinesis);
    }

    /** Parses a schedule period: an ISO-8601 duration of at least {@code min}. */
    public static Duration every(JsonNode body, Duration min) {
        JsonNode v = body.get("every");
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("every is required: an ISO-8601 duration such as PT1H");
        }
        Duration d;
        try {
            d = Duration.parse(v.asText().trim());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("every must be an ISO-8601 duration such as PT1H, was '" + v.asText() + "'");
        }
        if (d.compareTo(min) < 0) {
            throw new IllegalArgumentException("every must be at least " + min + ", was " + d);
        }
        if (d.compareTo(Duration.ofDays(31)) > 0) {
            throw new IllegalArgumentException("every must be at most P31D, was " + d);
        }
        return d;
    }
}
