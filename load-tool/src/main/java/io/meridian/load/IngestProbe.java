package io.meridian.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a region node's ingest made durable, read from its Prometheus {@code /metrics}: the count of rows stored
 * ({@code meridian_ingest_records_total}) and the histogram of device-to-stored latency
 * ({@code meridian_ingest_latency_seconds_bucket{from="device"}}), which the node measures from the device's own
 * {@code sent} time (mapped by the benchmark tenant) to the moment Cassandra acknowledged the row's batch.
 * Two scrapes give the rows and the latency distribution of exactly the interval between them.
 */
final class IngestProbe {

    private static final Pattern RECORDS = Pattern.compile("^meridian_ingest_records_total\\{[^}]*kind=\"telemetry\"[^}]*\\} ([0-9.eE+-]+)$",
            Pattern.MULTILINE);
    private static final Pattern BUCKET = Pattern.compile(
            "^meridian_ingest_latency_seconds_bucket\\{[^}]*from=\"device\"[^}]*le=\"([^\"]+)\"[^}]*\\} ([0-9.eE+-]+)$", Pattern.MULTILINE);

    /** One scrape: rows stored so far, and the cumulative latency buckets (upper bound in seconds to count). */
    record Scrape(long nanoTime, double stored, TreeMap<Double, Double> buckets) {
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final URI metrics;

    IngestProbe(URI metrics) {
        this.metrics = metrics;
    }

    Scrape scrape() throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(metrics + " answered " + r.statusCode());
        }
        double stored = 0;
        Matcher m = RECORDS.matcher(r.body());
        while (m.find()) {
            stored += Double.parseDouble(m.group(1));
        }
        TreeMap<Double, Double> buckets = new TreeMap<>();
        Matcher b = BUCKET.matcher(r.body());
        while (b.find()) {
            double le = b.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(b.group(1));
            buckets.merge(le, Double.parseDouble(b.group(2)), Double::sum);
        }
        return new Scrape(System.nanoTime(), stored, buckets);
    }

    /**
     * The latency below which {@code percentile} of the rows stored between two scrapes fell: the upper bound of the
     * histogram bucket that holds it (so an upper estimate, as precise as the buckets), in milliseconds.
     */
    static double percentileMillis(Scrape before, Scrape after, double percentile) {
        double total = after.buckets().getOrDefault(Double.POSITIVE_INFINITY, 0.0) - before.buckets().getOrDefault(Double.POSITIVE_INFINITY, 0.0);
        if (total <= 0) {
            return Double.NaN;
        }
        double wanted = total * percentile / 100.0;
        for (Map.Entry<Double, Double> e : after.buckets().entrySet()) {
            double count = e.getValue() - before.buckets().getOrDefault(e.getKey(), 0.0);
            if (count >= wanted) {
                return e.getKey() * 1000.0;
            }
        }
        return Double.POSITIVE_INFINITY;
    }
}
