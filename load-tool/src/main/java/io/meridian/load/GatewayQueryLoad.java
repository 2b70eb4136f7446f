package io.meridian.load;

import io.meridian.regions.RegionConfig;
import io.meridian.regions.RegionConfigs;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * The federation gateway's benchmark (issue 7): in one run, the tenant's aggregate query through a gateway (which fans
 * out to every region and merges) against the same query sent straight to each region's data API with a gateway
 * client's token, and the gateway's maximum throughput.
 *
 * <ol>
 *   <li><b>Latency, interleaved.</b> {@code --rounds} rounds; in each, every target (the gateway, then each region) gets
 *       {@code --round-seconds} of open-loop load at {@code --rate} queries/s. Interleaving keeps a change in the machine's
 *       load (other builds) from landing on one target only. Latency counts from the time a query was due, so a stall
 *       shows in the percentiles instead of slowing the generator (no coordinated omission). The first round of each
 *       target is preceded by {@code --warmup} seconds that are not recorded.</li>
 *   <li><b>Ratio.</b> The gateway's p50 and p99 over the slowest region's (the region with the highest p50, and the one
 *       with the highest p99). Target: at most 1.3.</li>
 *   <li><b>Regions at once.</b> In the same rounds, a target that is no server: each of its queries is the same query
 *       sent to every region at the same moment, answered when the last region answered. That is the gateway's fan-out
 *       without the gateway, so the gateway over it is what the gateway itself adds (its own work, its ledger write),
 *       while the regions at once over the slowest region is what asking all of them costs on this machine, where they
 *       share its cores.</li>
 *   <li><b>Maximum.</b> A closed loop of {@code --max-concurrency} queries in flight against the gateway for
 *       {@code --max-seconds}: its queries/s. Target: at least 500.</li>
 * </ol>
 *
 * <p>Every answer must be 200; the gateway's must not be partial ({@code "partial": true}: a region was missing, so the
 * query was not the one being measured). Anything else is counted by kind and the tool exits with 3. Connections are
 * HTTP/1.1 keep-alive, one per query in flight. Each phase is bounded in time and by {@code --max-requests}. Tokens are
 * fetched again before every phase (Keycloak's access tokens live 5 minutes).
 */
public final class GatewayQueryLoad {

    static final String USAGE = """
            usage: GatewayQueryLoad [--name value]...
              --gateway http://127.0.0.1:P/v1     the gateway's API base [us-east's local gateway port]
              --regions id=URL,...                each region's data API base [the local data API port of every default region]
              --token-url URL                     the realm's token endpoint [local Keycloak]
              --tenant lampco                     the tenant whose aggregates are queried (the user's tenant claim)
              --user lamp-analyst                 a customer-analyst/admin of that tenant, who queries the gateway
              --password lamp-analyst-demo        that user's password
              --user-client meridian-cli          the public client of the password grant
              --client gateway-us-east            the gateway client whose token queries the regions directly
                                                  [gateway-<region of --gateway-region>]; use the gateway's own, so
                                                  the regions decide for the same destination
              --gateway-region us-east            the region of the gateway under test
              --secret S                          that client's secret [<client>-dev-secret, the realm's development value]
              --query metric=v&resolution=PT15M   the query, without from/to (both are added: the last --hours up to now)
              --hours 1                           the queried range
              --rate 50                           queries/s offered to each target in the latency phase
              --rounds 3                          interleaved rounds of the latency phase
              --round-seconds 10                  seconds per target per round
              --warmup 5                          unrecorded seconds before each target's first round and before the maximum
              --max-concurrency 32                queries in flight in the maximum phase (0 skips it)
              --max-seconds 20                    seconds of the maximum phase
              --max-target gateway                whom the maximum phase loads: the gateway, or a region id of
                                                  --regions (its data API with the client's token): the ceiling
                                                  the gateway cannot beat without a cache
              --max-requests 1000000              queries sent at most per phase, warm-up included
              --timeout 10                        seconds a query may take before it counts as an error
              --event-loops 1                     event loops of the generator
            """;

    /** The target whose every query asks all regions at the same moment. */
    static final String REGIONS_AT_ONCE = "regions at once";
    static final Pattern PARTIAL = Pattern.compile("\"partial\"\\s*:\\s*true");
    private static final Pattern ACCESS_TOKEN = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"");
    private static final List<String> OPTIONS = List.of("gateway", "regions", "token-url", "tenant", "user", "password", "user-client",
            "client", "gateway-region", "secret", "query", "hours", "rate", "rounds", "round-seconds", "warmup", "max-concurrency",
            "max-seconds", "max-requests", "timeout", "event-loops", "max-target");

    /** The settings, validated; see {@link #USAGE}. */
    record Options(URI gateway, Map<String, URI> regions, URI tokenUrl, String tenant, String user, String password, String userClient,
            String client, String secret, String query, int hours, int rate, int rounds, int roundSeconds, int warmupSeconds,
            int maxConcurrency, int maxSeconds, long maxRequests, int timeoutSeconds, int eventLoops, String maxTarget) {

        Options {
            regions = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(regions));
            if (regions.isEmpty()) {
                throw new IllegalArgumentException("--regions must name at least one region, was empty");
            }
            requireHttp("--gateway", gateway);
            regions.forEach((id, uri) -> requireHttp("--regions " + id, uri));
            requireHttp("--token-url", tokenUrl);
            if (!tenant.matches("[a-z0-9][a-z0-9-]{0,62}")) {
                throw new IllegalArgumentException("--tenant must be a tenant id (lower-case letters, digits, -), was '" + tenant + "'");
            }
            if (query.isBlank() || query.contains("from=") || query.contains("to=") || query.startsWith("?") || query.startsWith("&")) {
                throw new IllegalArgumentException("--query must be name=value pairs joined by & without from/to, was '" + query + "'");
            }
            if (hours < 1 || hours > 24 * 31) {
                throw new IllegalArgumentException("--hours must be 1-744, was " + hours);
            }
            if (rate < 1 || rate > 100_000) {
                throw new IllegalArgumentException("--rate must be 1-100000 queries/s, was " + rate);
            }
            if (rounds < 1 || rounds > 100 || roundSeconds < 1 || roundSeconds > 600 || warmupSeconds < 0 || warmupSeconds > 600) {
                throw new IllegalArgumentException("--rounds must be 1-100, --round-seconds 1-600 and --warmup 0-600, were " + rounds + ", "
                        + roundSeconds + " and " + warmupSeconds);
            }
            if (maxConcurrency < 0 || maxConcurrency > 10_000 || maxSeconds < 1 || maxSeconds > 3600) {
                throw new IllegalArgumentException("--max-concurrency must be 0-10000 and --max-seconds 1-3600, were " + maxConcurrency + " and "
                        + maxSeconds);
            }
            if (maxRequests < 1) {
                throw new IllegalArgumentException("--max-requests must be at least 1, was " + maxRequests);
            }
            if (timeoutSeconds < 1 || timeoutSeconds > 600 || eventLoops < 1 || eventLoops > 64) {
                throw new IllegalArgumentException("--timeout must be 1-600 and --event-loops 1-64, were " + timeoutSeconds + " and " + eventLoops);
            }
            if (!maxTarget.equals("gateway") && !regions.containsKey(maxTarget)) {
                throw new IllegalArgumentException("--max-target must be gateway or a region of --regions " + regions.keySet() + ", was '"
                        + maxTarget + "'");
            }
        }

        /** Parses {@code --name value} pairs; defaults are the local ports of {@code ./meridian up} from region-configs. */
        static Options parse(String[] args, RegionConfigs configs) {
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("arguments must be --name value pairs, got " + args[i]);
                }
                String key = args[i].substring(2);
                if (!OPTIONS.contains(key)) {
                    throw new IllegalArgumentException("unknown option --" + key);
                }
                m.put(key, args[++i]);
            }
            String gatewayRegion = m.getOrDefault("gateway-region", "us-east");
            RegionConfig own = configs.require(gatewayRegion);
            URI gateway = uri("gateway", m.getOrDefault("gateway", "http://127.0.0.1:" + own.localPorts().gateway() + "/v1"));
            Map<String, URI> regions = new LinkedHashMap<>();
            if (m.containsKey("regions")) {
                for (String entry : m.get("regions").split(",")) {
                    int eq = entry.indexOf('=');
                    if (eq < 1) {
                        throw new IllegalArgumentException("--regions entries must be id=URL, was '" + entry + "'");
                    }
                    regions.put(entry.substring(0, eq).trim(), uri("regions", entry.substring(eq + 1).trim()));
                }
            } else {
                configs.localServices().defaultRegions().forEach(id -> regions.put(id.value(),
                        URI.create("http://127.0.0.1:" + configs.require(id.value()).localPorts().dataApi() + "/v1")));
            }
            URI token = uri("token-url", m.getOrDefault("token-url",
                    "http://127.0.0.1:" + configs.localServices().keycloak() + "/realms/meridian/protocol/openid-connect/token"));
            String client = m.getOrDefault("client", "gateway-" + gatewayRegion);
            return new Options(gateway, regions, token, m.getOrDefault("tenant", "lampco"), m.getOrDefault("user", "lamp-analyst"),
                    m.getOrDefault("password", "lamp-analyst-demo"), m.getOrDefault("user-client", "meridian-cli"), client,
                    m.getOrDefault("secret", client + "-dev-secret"), m.getOrDefault("query", "metric=v&resolution=PT15M"),
                    integer(m, "hours", 1), integer(m, "rate", 50), integer(m, "rounds", 3), integer(m, "round-seconds", 10),
                    integer(m, "warmup", 5), integer(m, "max-concurrency", 32), integer(m, "max-seconds", 20),
                    number(m, "max-requests", 1_000_000), integer(m, "timeout", 10), integer(m, "event-loops", 1),
                    m.getOrDefault("max-target", "gateway"));
        }

        private static URI uri(String name, String v) {
            try {
                return new URI(v.replaceAll("/+$", ""));
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException("--" + name + " must be a URL, was '" + v + "'");
            }
        }

        private static void requireHttp(String name, URI uri) {
            if (!"http".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 1) {
                throw new IllegalArgumentException(name + " must be http://host:port/..., was " + uri);
            }
        }

        private static int integer(Map<String, String> m, String name, int otherwise) {
            long v = number(m, name, otherwise);
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("--" + name + " is out of range, was " + v);
            }
            return (int) v;
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

    /** Where the tool gets its bearer tokens; fetched again before every phase. */
    interface Tokens {
        /** The tenant user's token, for the gateway. */
        String user() throws IOException, InterruptedException;

        /** The gateway client's token, for the regions' data APIs. */
        String client() throws IOException, InterruptedException;
    }

    /** What one target answered over the phases it ran in. */
    record Measured(String target, long ok, double seconds, Histogram latency, Map<String, Long> errors, long dueNotSent) {

        long failures() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }

        double perSecond() {
            return ok / Math.max(seconds, 1e-9);
        }

        /** Milliseconds at the percentile, from the histogram's microseconds. */
        double millis(double percentile) {
            return latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(percentile) / 1000.0;
        }

        Measured plus(Measured other) {
            Histogram h = latency.copy();
            h.add(other.latency);
            Map<String, Long> e = new TreeMap<>(errors);
            other.errors.forEach((k, v) -> e.merge(k, v, Long::sum));
            return new Measured(target, ok + other.ok, seconds + other.seconds, h, e, dueNotSent + other.dueNotSent);
        }
    }

    /**
     * The run's outcome.
     *
     * @param slowestP50 the region with the highest p50
     * @param slowestP99 the region with the highest p99
     * @param maximum    the gateway's closed-loop phase; null when skipped
     */
    record Report(Measured gateway, Measured regionsAtOnce, Map<String, Measured> regions, String slowestP50, String slowestP99,
            Measured maximum) {

        double p50Ratio() {
            return gateway.millis(50) / regions.get(slowestP50).millis(50);
        }

        double p99Ratio() {
            return gateway.millis(99) / regions.get(slowestP99).millis(99);
        }

        /** The gateway's p50 over the regions' asked at once: what the gateway adds to its own fan-out. */
        double p50OverAtOnce() {
            return gateway.millis(50) / regionsAtOnce.millis(50);
        }

        double p99OverAtOnce() {
            return gateway.millis(99) / regionsAtOnce.millis(99);
        }

        long failures() {
            return gateway.failures() + regionsAtOnce.failures() + regions.values().stream().mapToLong(Measured::failures).sum() + (maximum == null ? 0 : maximum.failures());
        }
    }

    private GatewayQueryLoad() {
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args, RegionConfigs.loadDefault());
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(o.eventLoops()).setBlockedThreadCheckInterval(10_000));
        Report report;
        try {
            report = run(o, vertx, keycloak(o), Instant.now(), System.out);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        print(report, System.out);
        System.exit(report.failures() == 0 ? 0 : 3);
    }

    /**
     * Runs the latency phase and then the maximum phase.
     *
     * @param now the run's time; the queried range is the {@code --hours} up to it (whole minutes)
     * @param out progress lines
     * @throws IllegalStateException when a token cannot be had
     */
    static Report run(Options o, Vertx vertx, Tokens tokens, Instant now, java.io.PrintStream out) throws Exception {
        Instant to = now.truncatedTo(ChronoUnit.MINUTES);
        Instant from = to.minus(Duration.ofHours(o.hours()));
        String pathAndQuery = "/tenants/" + o.tenant() + "/aggregates?" + o.query() + "&from=" + from + "&to=" + to;
        out.printf("meridian gateway query load, %s: tenant %s, %s over [%s, %s)%n", now, o.tenant(), o.query(), from, to);
        out.printf("  latency: %d rounds x %d s per target at %d queries/s, interleaved; maximum: %s%n", o.rounds(), o.roundSeconds(),
                o.rate(), o.maxConcurrency() == 0 ? "skipped" : o.maxConcurrency() + " in flight for " + o.maxSeconds() + " s");
        out.println("  load average before: " + loadAverage());
        Measured gateway = null;
        Measured atOnce = null;
        Map<String, Measured> regions = new LinkedHashMap<>();
        List<URI> everyRegion = o.regions().values().stream().map(r -> URI.create(r + pathAndQuery)).toList();
        for (int round = 1; round <= o.rounds(); round++) {
            int warmup = round == 1 ? o.warmupSeconds() : 0;
            Measured g = new Phase(vertx, o, "gateway", URI.create(o.gateway() + pathAndQuery), tokens.user(), o.rate(), o.rate(), warmup,
                    o.roundSeconds(), GatewayQueryLoad::checkGateway).run();
            gateway = gateway == null ? g : gateway.plus(g);
            Measured a = new Phase(vertx, o, REGIONS_AT_ONCE, everyRegion, tokens.client(), o.rate(), o.rate(), warmup, o.roundSeconds(),
                    GatewayQueryLoad::checkRegion).run();
            atOnce = atOnce == null ? a : atOnce.plus(a);
            for (Map.Entry<String, URI> r : o.regions().entrySet()) {
                Measured m = new Phase(vertx, o, r.getKey(), URI.create(r.getValue() + pathAndQuery), tokens.client(), o.rate(), o.rate(), warmup,
                        o.roundSeconds(), GatewayQueryLoad::checkRegion).run();
                regions.merge(r.getKey(), m, Measured::plus);
            }
            out.printf("  round %d of %d done, load average %s%n", round, o.rounds(), loadAverage());
        }
        Measured maximum = null;
        if (o.maxConcurrency() > 0) {
            if (o.maxTarget().equals("gateway")) {
                maximum = new Phase(vertx, o, "gateway (closed loop)", URI.create(o.gateway() + pathAndQuery), tokens.user(), 0, o.maxConcurrency(),
                        o.warmupSeconds(), o.maxSeconds(), GatewayQueryLoad::checkGateway).run();
            } else {
                // the region directly, as the gateway asks it: its own maximum is the ceiling of the gateway's
                maximum = new Phase(vertx, o, o.maxTarget() + " (closed loop)", URI.create(o.regions().get(o.maxTarget()) + pathAndQuery),
                        tokens.client(), 0, o.maxConcurrency(), o.warmupSeconds(), o.maxSeconds(), GatewayQueryLoad::checkRegion).run();
            }
        }
        out.println("  load average after: " + loadAverage());
        String slowestP50 = slowest(regions, 50);
        String slowestP99 = slowest(regions, 99);
        return new Report(gateway, atOnce, regions, slowestP50, slowestP99, maximum);
    }

    /** The region with the highest latency at the percentile; a region that answered nothing counts as slowest. */
    static String slowest(Map<String, Measured> regions, double percentile) {
        String worst = null;
        double worstMillis = -1;
        for (Map.Entry<String, Measured> e : regions.entrySet()) {
            double ms = e.getValue().latency().getTotalCount() == 0 ? Double.POSITIVE_INFINITY : e.getValue().millis(percentile);
            if (ms > worstMillis) {
                worst = e.getKey();
                worstMillis = ms;
            }
        }
        return worst;
    }

    /** Null when the gateway's answer is a complete 200, else what was wrong with it. */
    static String checkGateway(int status, Buffer body) {
        if (status != 200) {
            return "HTTP " + status;
        }
        return PARTIAL.matcher(body.toString(StandardCharsets.UTF_8)).find() ? "partial answer" : null;
    }

    /** Null when a region answered 200. */
    static String checkRegion(int status, Buffer body) {
        return status == 200 ? null : "HTTP " + status;
    }

    static void print(Report r, java.io.PrintStream out) {
        out.println();
        out.printf("%-24s %9s %9s %9s %9s %9s %9s  %s%n", "target", "queries", "q/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors");
        row(out, r.gateway());
        row(out, r.regionsAtOnce());
        r.regions().values().forEach(m -> row(out, m));
        out.printf("%nratio gateway / slowest region: p50 %.2f (vs %s), p99 %.2f (vs %s); target <= 1.3%n", r.p50Ratio(), r.slowestP50(),
                r.p99Ratio(), r.slowestP99());
        out.printf("gateway / regions at once (what the gateway adds to its fan-out): p50 %.2f, p99 %.2f%n", r.p50OverAtOnce(),
                r.p99OverAtOnce());
        if (r.maximum() != null) {
            row(out, r.maximum());
            out.printf("%s maximum: %.0f queries/s with %s in flight%s%n", r.maximum().target().replace(" (closed loop)", ""),
                    r.maximum().perSecond(), "the given number", r.maximum().target().startsWith("gateway") ? "; target >= 500" : "");
        }
        long dueNotSent = r.gateway().dueNotSent() + r.regionsAtOnce().dueNotSent() + r.regions().values().stream().mapToLong(Measured::dueNotSent).sum();
        if (dueNotSent > 0) {
            out.printf("%d queries were due but not sent when a phase ended (every slot busy): a target did not keep up with the rate%n",
                    dueNotSent);
        }
        out.println(r.failures() == 0 ? "errors: none" : "errors: " + r.failures() + " (exit status 3)");
    }

    private static void row(java.io.PrintStream out, Measured m) {
        out.printf("%-24s %9d %9.0f %9.2f %9.2f %9.2f %9.2f  %s%n", m.target(), m.ok(), m.perSecond(), m.millis(50), m.millis(90),
                m.millis(99), m.latency().getTotalCount() == 0 ? Double.NaN : m.latency().getMaxValue() / 1000.0,
                m.errors().isEmpty() ? "-" : m.errors());
    }

    /** Password grant for the user, client credentials for the gateway client, against the realm's token endpoint. */
    static Tokens keycloak(Options o) {
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        return new Tokens() {
            @Override
            public String user() throws IOException, InterruptedException {
                return token(http, o.tokenUrl(), Map.of("grant_type", "password", "client_id", o.userClient(), "username", o.user(),
                        "password", o.password()), o.user());
            }

            @Override
            public String client() throws IOException, InterruptedException {
                return token(http, o.tokenUrl(), Map.of("grant_type", "client_credentials", "client_id", o.client(), "client_secret",
                        o.secret()), o.client());
            }
        };
    }

    static String token(java.net.http.HttpClient http, URI tokenUrl, Map<String, String> form, String who)
            throws IOException, InterruptedException {
        StringBuilder body = new StringBuilder();
        form.forEach((k, v) -> body.append(body.length() == 0 ? "" : "&").append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(tokenUrl).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher m = ACCESS_TOKEN.matcher(r.body());
        if (r.statusCode() != 200 || !m.find()) {
            throw new IllegalStateException("no token for " + who + " from " + tokenUrl + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return m.group(1);
    }

    /**
     * One target under one load shape, entirely on one Vert.x context: the schedule, the slots and the histogram are
     * touched by that context's thread only, so they need no locks. A target of several URIs sends each query to all of
     * them at once; the query is answered when the last of them answered, and fails when any of them failed.
     */
    static final class Phase {
        private final Vertx vertx;
        private final Options o;
        private final String target;
        private final List<URI> uris;
        private final String authorization;
        private final int rate;
        private final int concurrency;
        private final int warmupSeconds;
        private final int durationSeconds;
        private final BiFunction<Integer, Buffer, String> check;
        private final CompletableFuture<Measured> done = new CompletableFuture<>();
        private final Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(600), 3);
        private final Map<String, Long> errors = new TreeMap<>();
        private final ArrayDeque<Long> due = new ArrayDeque<>();
        private HttpClient client;
        private long start;
        private long measureFrom;
        private long stopAt;
        private long lastMeasuredAnswer;
        private long sent;
        private long scheduled;
        private long ok;
        private long dueNotSent;
        private int inFlight;
        private boolean stopping;
        private long timer = -1;

        /**
         * @param rate        queries/s on a schedule, or 0 for a closed loop of {@code concurrency} slots
         * @param concurrency queries in flight at most, one keep-alive connection each
         */
        Phase(Vertx vertx, Options o, String target, URI uri, String token, int rate, int concurrency, int warmupSeconds,
              int durationSeconds, BiFunction<Integer, Buffer, String> check) {
            this(vertx, o, target, List.of(uri), token, rate, concurrency, warmupSeconds, durationSeconds, check);
        }

        /** As the other constructor, for a query sent to every one of {@code uris} at once. */
        Phase(Vertx vertx, Options o, String target, List<URI> uris, String token, int rate, int concurrency, int warmupSeconds,
              int durationSeconds, BiFunction<Integer, Buffer, String> check) {
            if (uris.isEmpty()) {
                throw new IllegalArgumentException("a phase needs at least one URI");
            }
            this.vertx = vertx;
            this.o = o;
            this.target = target;
            this.uris = List.copyOf(uris);
            this.authorization = "Bearer " + token;
            this.rate = rate;
            this.concurrency = concurrency;
            this.warmupSeconds = warmupSeconds;
            this.durationSeconds = durationSeconds;
            this.check = check;
        }

        /** Runs the phase and waits for it, bounded by its time plus the query timeout plus a minute. */
        Measured run() throws Exception {
            Context context = vertx.getOrCreateContext();
            context.runOnContext(v -> begin());
            return done.get(warmupSeconds + durationSeconds + o.timeoutSeconds() + 60L, TimeUnit.SECONDS);
        }

        private void begin() {
            client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setPipelining(false)
                    .setConnectTimeout((int) TimeUnit.SECONDS.toMillis(o.timeoutSeconds())).setTcpNoDelay(true),
                    new PoolOptions().setHttp1MaxSize(concurrency * uris.size()).setMaxWaitQueueSize(concurrency * uris.size()));
            start = System.nanoTime();
            measureFrom = start + TimeUnit.SECONDS.toNanos(warmupSeconds);
            stopAt = measureFrom + TimeUnit.SECONDS.toNanos(durationSeconds);
            lastMeasuredAnswer = measureFrom;
            if (rate == 0) {
                for (int i = 0; i < concurrency; i++) {
                    sendNext();
                }
            } else {
                timer = vertx.setPeriodic(1, id -> schedule());
            }
            vertx.setTimer(TimeUnit.NANOSECONDS.toMillis(stopAt - start) + 1, id -> stop());
        }

        /** Open loop: queues every query that is due by now, then fills the free slots. */
        private void schedule() {
            long now = System.nanoTime();
            if (now >= stopAt || scheduled >= o.maxRequests()) {
                stop();
                return;
            }
            long shouldHave = Math.min(o.maxRequests(), (now - start) * rate / 1_000_000_000L + 1);
            while (scheduled < shouldHave) {
                due.add(start + scheduled * 1_000_000_000L / rate);
                scheduled++;
            }
            while (inFlight < concurrency && !due.isEmpty()) {
                send(due.poll());
            }
        }

        /** Closed loop: a slot sends its next query as soon as its answer arrived. */
        private void sendNext() {
            if (stopping || sent >= o.maxRequests() || System.nanoTime() >= stopAt) {
                stop();
                return;
            }
            send(System.nanoTime());
        }

        private void send(long dueAt) {
            sent++;
            inFlight++;
            if (uris.size() == 1) {
                ask(uris.get(0)).onSuccess(problem -> answered(dueAt, problem));
                return;
            }
            List<Future<String>> asked = uris.stream().map(this::ask).toList();
            Future.all(asked).onComplete(all -> answered(dueAt, asked.stream().map(Future::result).filter(p -> p != null).findFirst()
                    .orElse(null)));
        }

        /** One request; succeeds with null when the answer passed the check, else with what was wrong (never fails). */
        private Future<String> ask(URI uri) {
            RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setHost(uri.getHost()).setPort(uri.getPort())
                    .setURI(uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()))
                    .putHeader("Authorization", authorization).putHeader("Accept", "application/json")
                    .setTimeout(TimeUnit.SECONDS.toMillis(o.timeoutSeconds()));
            return client.request(request)
                    .compose(r -> r.send().compose(resp -> resp.body().map(b -> check.apply(resp.statusCode(), b))))
                    .transform(ar -> Future.succeededFuture(ar.succeeded() ? ar.result() : error(ar.cause())));
        }

        private static String error(Throwable t) {
            String name = t.getClass().getSimpleName();
            return name.contains("Timeout") || String.valueOf(t.getMessage()).contains("timeout") ? "timeout" : "I/O " + name;
        }

        private void answered(long dueAt, String problem) {
            inFlight--;
            long now = System.nanoTime();
            if (dueAt >= measureFrom && dueAt < stopAt) {
                if (problem == null) {
                    ok++;
                    latency.recordValue(Math.min(latency.getHighestTrackableValue(), Math.max(1, (now - dueAt) / 1000)));
                } else {
                    errors.merge(problem, 1L, Long::sum);
                }
                lastMeasuredAnswer = Math.max(lastMeasuredAnswer, now);
            }
            if (rate == 0) {
                sendNext();
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
                // over the measured window: from its start to the last answer of a query due in it
                double seconds = (lastMeasuredAnswer - measureFrom) / 1e9;
                client.close();
                done.complete(new Measured(target, ok, seconds, latency, errors, dueNotSent));
            }
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
