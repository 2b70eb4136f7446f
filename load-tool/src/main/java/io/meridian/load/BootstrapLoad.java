package io.meridian.load;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * The catalog's bootstrap benchmark (issue 6): {@code POST /v1/bootstrap} with the devices that {@code BenchmarkCatalog}
 * seeded ({@code deviceId<TAB>secret} lines), over HTTP/1.1 keep-alive connections, at most {@code --concurrency}
 * requests in flight, for {@code --warmup} plus {@code --duration} seconds and never more than {@code --max-requests}
 * requests. Every answer must be 200 with the expected region and the device's id; anything else is counted by status.
 *
 * <p>Two modes. {@code --rate 0} (the default) is a closed loop: each of the {@code --concurrency} slots sends its next
 * request when the previous answer arrives, so requests/s is the catalog's throughput at that concurrency and the
 * latency is measured from the send. {@code --rate R} offers R requests/s on a schedule; a request that must wait for a
 * free slot still counts its latency from when it was due, so a stalled catalog shows in the percentiles instead of
 * slowing the generator down (no coordinated omission).
 *
 * <p>It prints requests/s, p50/p90/p99/p99.9/max from its own HdrHistogram (3 significant digits, not bucket bounds),
 * errors by status, the machine's load average before and after, and the catalog's {@code meridian.catalog.bootstrap}
 * timer from {@code /metrics} over the run (count, mean, and the registry's recent max by outcome).
 *
 * <pre>
 * java -cp ... io.meridian.load.BootstrapLoad --catalog http://127.0.0.1:P --devices-file F [--tenant bench-tenant --region eu-central
 *     --concurrency 64 --duration 30 --warmup 5 --max-requests 1000000 --rate 0 --order round-robin]
 * </pre>
 */
public final class BootstrapLoad {

    static final String USAGE = """
            usage: BootstrapLoad --catalog URL --devices-file FILE [--name value]...
              --catalog http://127.0.0.1:P   the catalog's base URL (BenchmarkCatalog prints it)
              --devices-file FILE            deviceId<TAB>secret lines (BenchmarkCatalog writes them)
              --tenant bench-tenant          the devices' tenant
              --region eu-central            the region every answer must name
              --concurrency 64               requests in flight at most, one keep-alive connection each
              --duration 30                  measured seconds, after --warmup 5 seconds
              --max-requests 1000000         requests sent at most, warm-up included
              --rate 0                       requests/s offered on a schedule; 0 = closed loop, as fast as answers come
              --order round-robin            round-robin or random choice of the next device
              --timeout 10                   seconds a request may take before it counts as an error
              --event-loops 1                event loops of the generator
            """;

    private static final Pattern METRIC = Pattern.compile(
            "^meridian_catalog_bootstrap_seconds_(count|sum|max)\\{outcome=\"([^\"]*)\"[^}]*\\}\\s+(\\S+)\\s*$");

    /** The settings, validated; see {@link #USAGE}. */
    record Options(URI catalog, Path devicesFile, String tenant, String region, int concurrency, int durationSeconds, int warmupSeconds,
            long maxRequests, int rate, boolean random, int timeoutSeconds, int eventLoops) {

        Options {
            if (concurrency < 1 || concurrency > 10_000) {
                throw new IllegalArgumentException("--concurrency must be 1-10000, was " + concurrency);
            }
            if (durationSeconds < 1 || durationSeconds > 3600 || warmupSeconds < 0 || warmupSeconds > 600) {
                throw new IllegalArgumentException("--duration must be 1-3600 and --warmup 0-600 seconds, were " + durationSeconds + " and "
                        + warmupSeconds);
            }
            if (maxRequests < 1) {
                throw new IllegalArgumentException("--max-requests must be at least 1, was " + maxRequests);
            }
            if (rate < 0 || rate > 1_000_000) {
                throw new IllegalArgumentException("--rate must be 0-1000000 requests/s, was " + rate);
            }
            if (timeoutSeconds < 1 || eventLoops < 1 || eventLoops > 64) {
                throw new IllegalArgumentException("--timeout must be at least 1 and --event-loops 1-64, were " + timeoutSeconds + " and "
                        + eventLoops);
            }
            if (!"http".equals(catalog.getScheme()) || catalog.getHost() == null || catalog.getPort() < 1) {
                throw new IllegalArgumentException("--catalog must be http://host:port, was " + catalog);
            }
        }

        static Options parse(String[] args) {
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("arguments must be --name value pairs, got " + args[i]);
                }
                m.put(args[i].substring(2), args[++i]);
            }
            List<String> known = List.of("catalog", "devices-file", "tenant", "region", "concurrency", "duration", "warmup", "max-requests", "rate",
                    "order", "timeout", "event-loops");
            for (String k : m.keySet()) {
                if (!known.contains(k)) {
                    throw new IllegalArgumentException("unknown option --" + k);
                }
            }
            String order = m.getOrDefault("order", "round-robin");
            if (!order.equals("round-robin") && !order.equals("random")) {
                throw new IllegalArgumentException("--order must be round-robin or random, was " + order);
            }
            return new Options(URI.create(require(m, "catalog").replaceAll("/+$", "")), Path.of(require(m, "devices-file")),
                    m.getOrDefault("tenant", "bench-tenant"), m.getOrDefault("region", "eu-central"), integer(m, "concurrency", 64),
                    integer(m, "duration", 30), integer(m, "warmup", 5), number(m, "max-requests", 1_000_000), integer(m, "rate", 0),
                    order.equals("random"), integer(m, "timeout", 10), integer(m, "event-loops", 1));
        }

        private static String require(Map<String, String> m, String name) {
            String v = m.get(name);
            if (v == null || v.isBlank()) {
                throw new IllegalArgumentException("--" + name + " is required");
            }
            return v;
        }

        private static int integer(Map<String, String> m, String name, int otherwise) {
            return Math.toIntExact(number(m, name, otherwise));
        }

        private static long number(Map<String, String> m, String name, long otherwise) {
            String v = m.get(name);
            if (v == null) {
                return otherwise;
            }
            try {
                return Long.parseLong(v.replace("_", "").replace(",", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + name + " must be a whole number, was '" + v + "'");
            }
        }
    }

    /** One seeded device: its id and the request body that bootstraps it. */
    record Device(String id, Buffer body) {
    }

    /** The catalog's bootstrap timer at one moment, by outcome. */
    record Timers(Map<String, double[]> byOutcome) {
        static final int COUNT = 0;
        static final int SUM = 1;
        static final int MAX = 2;
    }

    private BootstrapLoad() {
    }

    public static void main(String[] args) throws Exception {
        Options o;
        List<Device> devices;
        try {
            o = Options.parse(args);
            devices = readDevices(o.devicesFile(), o.tenant());
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        System.out.printf("meridian bootstrap load, %s: %d devices of %s, %s, concurrency %d, %d s after %d s warm-up, at most %d requests%n",
                Instant.now(), devices.size(), o.tenant(), o.rate() == 0 ? "closed loop" : o.rate() + " requests/s offered", o.concurrency(),
                o.durationSeconds(), o.warmupSeconds(), o.maxRequests());
        System.out.println("  load average before: " + loadAverage());
        Timers before = scrape(o.catalog());
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(o.eventLoops()).setBlockedThreadCheckInterval(10_000));
        Result result;
        try {
            result = new Run(vertx, o, devices).start().get(o.warmupSeconds() + o.durationSeconds() + o.timeoutSeconds() + 60L, TimeUnit.SECONDS);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        String loadAfter = loadAverage();
        Timers after = scrape(o.catalog());
        print(result, o, before, after, loadAfter);
        System.exit(result.failures() == 0 ? 0 : 3);
    }

    /** Reads {@code deviceId<TAB>secret} lines and builds each device's request body once. */
    static List<Device> readDevices(Path file, String tenant) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("--devices-file " + file + " cannot be read: " + e.getMessage());
        }
        List<Device> out = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] parts = line.split("\t");
            if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
                throw new IllegalArgumentException("--devices-file " + file + " line " + (i + 1) + " must be deviceId<TAB>secret");
            }
            out.add(new Device(parts[0], new JsonObject().put("tenant", tenant).put("device-id", parts[0]).put("secret", parts[1]).toBuffer()));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--devices-file " + file + " holds no devices");
        }
        return out;
    }

    /** What one run measured. */
    record Result(long measured, double measuredSeconds, long warmupRequests, Histogram latency, Map<String, Long> errors, long dueNotSent) {
        long failures() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /**
     * One run, entirely on one Vert.x context: the schedule, the slots and the histogram are touched by that context's
     * thread only, so they need no locks. Requests spread over the client's event loops through its connection pool.
     */
    private static final class Run {
        private final Vertx vertx;
        private final Options o;
        private final List<Device> devices;
        private final CompletableFuture<Result> done = new CompletableFuture<>();
        private final Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        private final Map<String, Long> errors = new TreeMap<>();
        private final ArrayDeque<Long> due = new ArrayDeque<>();
        private HttpClient client;
        private Context context;
        private long start;
        private long measureFrom;
        private long stopAt;
        private long lastMeasuredAnswer;
        private long sent;
        private long scheduled;
        private long measured;
        private long warmupRequests;
        private long dueNotSent;
        private int inFlight;
        private int next;
        private boolean stopping;
        private long timer = -1;

        Run(Vertx vertx, Options o, List<Device> devices) {
            this.vertx = vertx;
            this.o = o;
            this.devices = devices;
        }

        CompletableFuture<Result> start() {
            context = vertx.getOrCreateContext();
            context.runOnContext(v -> {
                client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setPipelining(false)
                        .setConnectTimeout((int) TimeUnit.SECONDS.toMillis(o.timeoutSeconds())).setTcpNoDelay(true),
                        new PoolOptions().setHttp1MaxSize(o.concurrency()).setMaxWaitQueueSize(o.concurrency()));
                start = System.nanoTime();
                measureFrom = start + TimeUnit.SECONDS.toNanos(o.warmupSeconds());
                stopAt = measureFrom + TimeUnit.SECONDS.toNanos(o.durationSeconds());
                lastMeasuredAnswer = measureFrom;
                if (o.rate() == 0) {
                    for (int i = 0; i < o.concurrency(); i++) {
                        sendNext(0);
                    }
                } else {
                    timer = vertx.setPeriodic(1, id -> schedule());
                }
                vertx.setTimer(TimeUnit.NANOSECONDS.toMillis(stopAt - start) + 1, id -> stop());
            });
            return done;
        }

        /** Open loop: queues every request that is due by now, then fills the free slots. */
        private void schedule() {
            long now = System.nanoTime();
            if (now >= stopAt || scheduled >= o.maxRequests()) {
                stop();
                return;
            }
            long shouldHave = Math.min(o.maxRequests(), (now - start) * o.rate() / 1_000_000_000L + 1);
            while (scheduled < shouldHave) {
                due.add(start + scheduled * 1_000_000_000L / o.rate());
                scheduled++;
            }
            while (inFlight < o.concurrency() && !due.isEmpty()) {
                send(due.poll());
            }
        }

        /** Closed loop: a slot sends its next request as soon as its answer arrived. */
        private void sendNext(long ignored) {
            if (stopping || sent >= o.maxRequests() || System.nanoTime() >= stopAt) {
                stop();
                return;
            }
            send(System.nanoTime());
        }

        private void send(long dueAt) {
            Device d = devices.get(o.random() ? ThreadLocalRandom.current().nextInt(devices.size()) : next++ % devices.size());
            if (next >= devices.size()) {
                next = 0;
            }
            sent++;
            inFlight++;
            RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setHost(o.catalog().getHost()).setPort(o.catalog().getPort())
                    .setURI("/v1/bootstrap").putHeader("content-type", "application/json")
                    .setTimeout(TimeUnit.SECONDS.toMillis(o.timeoutSeconds()));
            client.request(request)
                    .compose(r -> r.send(d.body()).compose(resp -> resp.body().map(b -> check(resp.statusCode(), b, d))))
                    .onComplete(ar -> answered(dueAt, ar.succeeded() ? ar.result() : error(ar.cause())));
        }

        /** Null when the answer is right, else what was wrong with it. */
        private String check(int status, Buffer body, Device d) {
            if (status != 200) {
                return "HTTP " + status;
            }
            try {
                JsonObject json = body.toJsonObject();
                if (!o.region().equals(json.getString("region"))) {
                    return "200 with region " + json.getString("region");
                }
                if (!d.id().equals(json.getString("device-id"))) {
                    return "200 for another device";
                }
                return null;
            } catch (RuntimeException e) {
                return "200 without a JSON body";
            }
        }

        private static String error(Throwable t) {
            String m = String.valueOf(t.getMessage());
            return t.getClass().getSimpleName() + (m.contains("timeout") || m.contains("Timeout") ? " (timeout)" : "");
        }

        private void answered(long dueAt, String problem) {
            long now = System.nanoTime();
            inFlight--;
            boolean inWindow = dueAt >= measureFrom && dueAt < stopAt;
            if (problem != null) {
                errors.merge(problem + (inWindow ? "" : " (warm-up)"), 1L, Long::sum);
            }
            if (inWindow) {
                measured++;
                lastMeasuredAnswer = Math.max(lastMeasuredAnswer, now);
                latency.recordValue(Math.min(latency.getHighestTrackableValue(), TimeUnit.NANOSECONDS.toMicros(now - dueAt)));
            } else if (dueAt < measureFrom) {
                warmupRequests++;
            }
            if (o.rate() == 0) {
                sendNext(0);
            } else if (!due.isEmpty() && !stopping) {
                send(due.poll());
            } else {
                finishIfDrained();
            }
        }

        private void stop() {
            if (!stopping) {
                stopping = true;
                if (timer >= 0) {
                    vertx.cancelTimer(timer);
                }
                dueNotSent = due.size();
                due.clear();
            }
            finishIfDrained();
        }

        private void finishIfDrained() {
            if (stopping && inFlight == 0 && !done.isDone()) {
                // throughput over the measured window: from its start to the last answer of a request sent in it
                double seconds = (lastMeasuredAnswer - measureFrom) / 1e9;
                client.close();
                done.complete(new Result(measured, seconds, warmupRequests, latency, errors, dueNotSent));
            }
        }
    }

    private static void print(Result r, Options o, Timers before, Timers after, String loadAfter) {
        Histogram h = r.latency();
        System.out.printf("%n  %d bootstraps measured over %.2f s: %.0f requests/s (%d more in the warm-up)%n", r.measured(),
                r.measuredSeconds(), r.measured() / Math.max(r.measuredSeconds(), 1e-9), r.warmupRequests());
        if (r.measured() > 0) {
            System.out.printf("  latency%s: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms%n",
                    o.rate() == 0 ? " (from send)" : " (from the scheduled time)", h.getValueAtPercentile(50) / 1000.0,
                    h.getValueAtPercentile(90) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0,
                    h.getMaxValue() / 1000.0);
        }
        if (r.dueNotSent() > 0) {
            System.out.printf("  %d requests were due but not sent when the run ended (all %d slots busy): the catalog did not keep up with %d/s%n",
                    r.dueNotSent(), o.concurrency(), o.rate());
        }
        System.out.println("  errors: " + (r.errors().isEmpty() ? "none, every answer was 200 with region " + o.region() : r.errors()));
        System.out.println("  load average after: " + loadAfter);
        if (before == null || after == null) {
            System.out.println("  catalog /metrics: not readable (the catalog runs without a Prometheus registry?)");
            return;
        }
        for (Map.Entry<String, double[]> e : after.byOutcome().entrySet()) {
            double[] b = before.byOutcome().getOrDefault(e.getKey(), new double[3]);
            double count = e.getValue()[Timers.COUNT] - b[Timers.COUNT];
            double sum = e.getValue()[Timers.SUM] - b[Timers.SUM];
            if (count > 0) {
                System.out.printf("  catalog timer meridian.catalog.bootstrap{outcome=%s}: %.0f during the run (warm-up included), mean %.2f ms,"
                        + " max %.2f ms (the registry's recent max)%n", e.getKey(), count, sum / count * 1000, e.getValue()[Timers.MAX] * 1000);
            }
        }
    }

    /** The catalog's bootstrap timer from its Prometheus text; null when /metrics cannot be read. */
    static Timers scrape(URI catalog) {
        try {
            java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(URI.create(catalog + "/metrics")).timeout(Duration.ofSeconds(10))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? parseTimers(r.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static Timers parseTimers(String prometheusText) {
        Map<String, double[]> out = new TreeMap<>();
        for (String line : prometheusText.split("\n")) {
            Matcher m = METRIC.matcher(line);
            if (m.matches()) {
                double[] v = out.computeIfAbsent(m.group(2), k -> new double[3]);
                int i = switch (m.group(1)) {
                    case "count" -> Timers.COUNT;
                    case "sum" -> Timers.SUM;
                    default -> Timers.MAX;
                };
                v[i] = Double.parseDouble(m.group(3));
            }
        }
        return new Timers(out);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
