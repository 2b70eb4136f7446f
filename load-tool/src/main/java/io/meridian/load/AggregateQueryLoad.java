package io.meridian.load;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * The region data API's aggregate query, timed end to end as a gateway calls it: HTTP, token check, the read of
 * the stored windows, the egress gate's decision and its append to the decision log (a Cassandra lightweight
 * transaction), and the answer. Queries the last complete hour (which {@code BenchmarkNode
 * -Dmeridian.bench.seedAggregates=<tenant>} fills for 1,000 devices) in several shapes, one request at a time,
 * and prints p50/p99/max per shape.
 *
 * <pre>
 * java -cp ... io.meridian.load.AggregateQueryLoad --api http://127.0.0.1:P/v1 --token-url URL --tenant agg-1000 [--runs 300 --warmup 50]
 * </pre>
 */
public final class AggregateQueryLoad {

    private static final Pattern ACCESS_TOKEN = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern RELEASED = Pattern.compile("\"releasedCells\":(\\d+)");
    private static final Pattern OUTCOME = Pattern.compile("\"outcome\":\"([A-Z]+)\"");

    private AggregateQueryLoad() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("arguments must be --name value pairs, got " + args[i]);
            }
            o.put(args[i].substring(2), args[i + 1]);
        }
        String api = require(o, "api");
        URI tokenUrl = URI.create(require(o, "token-url"));
        String tenant = o.getOrDefault("tenant", "agg-1000");
        String client = o.getOrDefault("client", "gateway-eu-central");
        String secret = o.getOrDefault("secret", client + "-dev-secret");
        int runs = Integer.parseInt(o.getOrDefault("runs", "300"));
        int warmup = Integer.parseInt(o.getOrDefault("warmup", "50"));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        String form = "grant_type=client_credentials&client_id=" + URLEncoder.encode(client, StandardCharsets.UTF_8) + "&client_secret="
                + URLEncoder.encode(secret, StandardCharsets.UTF_8);
        HttpResponse<String> t = http.send(HttpRequest.newBuilder(tokenUrl).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        Matcher m = ACCESS_TOKEN.matcher(t.body());
        if (t.statusCode() != 200 || !m.find()) {
            throw new IllegalStateException("no token for " + client + ": " + t.statusCode() + " " + t.body());
        }
        String token = m.group(1);
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(1));
        String range = "&from=" + hour + "&to=" + hour.plus(Duration.ofHours(1));
        System.out.println("aggregate queries of tenant " + tenant + " over [" + hour + ", " + hour.plus(Duration.ofHours(1)) + "), "
                + runs + " timed after " + warmup + " warm-up, as " + client + "; load average " + loadAverage());
        Map<String, String> shapes = new LinkedHashMap<>();
        shapes.put("PT1H cells, all groups", "resolution=PT1H");
        shapes.put("PT15M cells, all groups", "resolution=PT15M");
        shapes.put("PT15M merged, all groups", "resolution=PT15M&merge=true");
        shapes.put("PT15M merged, label:model", "resolution=PT15M&merge=true&group=label:model");
        shapes.put("PT1M cells, group all", "resolution=PT1M&group=all");
        for (Map.Entry<String, String> shape : shapes.entrySet()) {
            URI uri = URI.create(api + "/tenants/" + tenant + "/aggregates?metric=temp&" + shape.getValue() + range);
            HttpRequest request = HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30))
                    .GET().build();
            Histogram h = new Histogram(3_600_000_000L, 3);
            String last = "";
            for (int i = 0; i < warmup + runs; i++) {
                long t0 = System.nanoTime();
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                long micros = (System.nanoTime() - t0) / 1000;
                if (r.statusCode() != 200) {
                    throw new IllegalStateException(uri + " answered " + r.statusCode() + " " + r.body());
                }
                if (i >= warmup) {
                    h.recordValue(micros);
                }
                last = r.body();
            }
            Matcher released = RELEASED.matcher(last);
            Matcher outcome = OUTCOME.matcher(last);
            System.out.printf("  %-28s %-8s %4s cells released, %6d B   p50 %7.2f ms   p99 %7.2f ms   max %7.2f ms%n", shape.getKey(),
                    outcome.find() ? outcome.group(1) : "?", released.find() ? released.group(1) : "?", last.length(),
                    h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0);
        }
        System.out.println("load average after: " + loadAverage());
    }

    private static String require(Map<String, String> o, String name) {
        String v = o.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
