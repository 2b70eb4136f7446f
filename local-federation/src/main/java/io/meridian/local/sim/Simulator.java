package io.meridian.local.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.stream.Collectors;

/**
 * A fleet of simulated devices against a running federation: it creates tenants in the catalog, registers devices
 * there (the catalog allocates each to a region by the tenant's policy and returns that region's MQTT endpoint and the
 * device's credentials), and publishes telemetry over MQTT to each device's own region, paced, bounded in time and in
 * count, stoppable, with counters per region.
 *
 * <p>It talks to the catalog as a federation gateway's service client (the catalog's tenant API admits those for any
 * tenant), and to the regions only as devices do. It never reads data back.
 *
 * <pre>{@code
 * Simulator sim = new Simulator(Simulator.Settings.of(catalogApi, tokenEndpoint, "gateway-eu-central", secret));
 * sim.ensureTenants(SimTenant.DEFAULTS);
 * List<SimDevice> devices = sim.register(DevicePlan.fleet("r1", 30, SimTenant.DEFAULTS, List.of("DE", "ZA", "US")));
 * Simulator.Run run = sim.publish(devices, 20, Duration.ofSeconds(30), 500, Simulator.DEFAULT_PAYLOAD);
 * run.await(Duration.ofMinutes(1));
 * sim.counters().snapshot();
 * }</pre>
 */
public final class Simulator {

    /** At most this many messages per second over the whole fleet. */
    public static final double MAX_RATE = 1000;
    /** At most this many devices in one registration call. */
    public static final int MAX_DEVICES = 5000;
    /** Registrations in flight at once: the catalog writes each to a region's registry, so a few suffice. */
    static final int REGISTRATION_PARALLELISM = 4;
    /** Publishing threads at most; each serves a share of the devices. */
    static final int MAX_PUBLISHERS = 8;

    /**
     * Telemetry with two top-level numbers (a tenant's default mapping takes each as a metric): {@code temperature}, a
     * multiple of 0.25 (so sums over them are exact in binary) that depends on the device and the message number, and
     * {@code humidity}.
     */
    public static final BiFunction<SimDevice, Long, byte[]> DEFAULT_PAYLOAD = (d, n) -> {
        int spread = Math.floorMod(d.deviceId().hashCode(), 40);
        double temperature = 10 + spread * 0.25 + (n % 8) * 0.25;
        double humidity = 40 + (n % 20);
        return ("{\"temperature\": " + temperature + ", \"humidity\": " + humidity + "}").getBytes(StandardCharsets.UTF_8);
    };

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Where the simulator finds the catalog and the token endpoint, and which service client it uses.
     *
     * @param timeout of each HTTP call and of each MQTT exchange
     */
    public record Settings(URI catalogApi, URI tokenEndpoint, String clientId, String clientSecret, Duration timeout) {
        public Settings {
            Objects.requireNonNull(catalogApi, "catalogApi must not be null");
            Objects.requireNonNull(tokenEndpoint, "tokenEndpoint must not be null");
            Objects.requireNonNull(clientId, "clientId must not be null");
            Objects.requireNonNull(clientSecret, "clientSecret must not be null");
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, was " + timeout);
            }
        }

        public static Settings of(URI catalogApi, URI tokenEndpoint, String clientId, String clientSecret) {
            return new Settings(catalogApi, tokenEndpoint, clientId, clientSecret, Duration.ofSeconds(30));
        }

        @Override
        public String toString() {
            return "Settings[catalog " + catalogApi + ", tokens " + tokenEndpoint + ", client " + clientId + ", secret ***, timeout " + timeout + "]";
        }
    }

    private final Settings settings;
    private final HttpClient http;
    private final SimCounters counters = new SimCounters();
    private String token;
    private Instant tokenUntil = Instant.MIN;

    public Simulator(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings must not be null");
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** The counters of every registration and run of this simulator. */
    public SimCounters counters() {
        return counters;
    }

    /**
     * Creates or updates each tenant in the catalog ({@code PUT}, idempotent).
     *
     * @throws IOException when the catalog refuses one; the message names the tenant and carries the catalog's answer
     */
    public void ensureTenants(List<SimTenant> tenants) throws IOException, InterruptedException {
        for (SimTenant t : tenants) {
            HttpResponse<String> r = send("PUT", settings.catalogApi() + "/tenants/" + t.id(), t.spec());
            if (r.statusCode() != 200 && r.statusCode() != 201) {
                throw new IOException("the catalog refused tenant " + t.id() + " with " + r.statusCode() + ": " + r.body());
            }
        }
    }

    /**
     * Registers each device through the catalog, a few at a time. A device the catalog refuses is counted
     * ({@link SimCounters.Counts#registrationFailures()}) and left out of the answer; the first refusals are on
     * {@link #lastRegistrationErrors()}.
     *
     * @throws IllegalArgumentException when more than {@link #MAX_DEVICES} are asked for
     */
    public List<SimDevice> register(List<DevicePlan> plans) throws InterruptedException {
        if (plans.size() > MAX_DEVICES) {
            throw new IllegalArgumentException("at most " + MAX_DEVICES + " devices per registration, was " + plans.size());
        }
        ExecutorService pool = Executors.newFixedThreadPool(REGISTRATION_PARALLELISM, daemon("sim-register"));
        List<SimDevice> out = Collections.synchronizedList(new ArrayList<>());
        errors.clear();
        try {
            List<Future<?>> pending = new ArrayList<>();
            for (DevicePlan p : plans) {
                pending.add(pool.submit(() -> {
                    try {
                        out.add(registerOne(p));
                    } catch (IOException | RuntimeException e) {
                        counters.registrationFailed();
                        if (errors.size() < 10) {
                            errors.add(p.tenant() + "/" + p.deviceId() + ": " + e.getMessage());
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return null;
                }));
            }
            for (Future<?> f : pending) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException("a registration task failed unexpectedly", e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        List<SimDevice> sorted = new ArrayList<>(out);
        sorted.sort((a, b) -> a.deviceId().compareTo(b.deviceId()));
        return sorted;
    }

    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());

    /** Up to ten registration errors of the last {@link #register} call, each naming the device. */
    public List<String> lastRegistrationErrors() {
        return List.copyOf(errors);
    }

    private SimDevice registerOne(DevicePlan p) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode().put("device-id", p.deviceId());
        body.putObject("location").put("country", p.country());
        ObjectNode labels = body.putObject("labels");
        p.labels().forEach(labels::put);
        HttpResponse<String> r = send("POST", settings.catalogApi() + "/tenants/" + p.tenant() + "/devices", body.toString());
        if (r.statusCode() != 201) {
            throw new IOException("the catalog answered " + r.statusCode() + ": " + r.body());
        }
        JsonNode answer = JSON.readTree(r.body());
        String region = answer.path("region").asText();
        JsonNode mqtt = answer.at("/endpoints/mqtt");
        if (region.isEmpty() || !mqtt.has("port")) {
            throw new IOException("the registration names no region or no plain MQTT port: " + answer.path("endpoints"));
        }
        SimDevice d = new SimDevice(p, region, mqtt.path("host").asText("127.0.0.1"), mqtt.get("port").asInt(),
                answer.at("/credentials/auth-id").asText() + "@" + p.tenant(), answer.at("/credentials/password").asText());
        counters.registered(region);
        return d;
    }

    /**
     * Publishes telemetry from the devices, round-robin, at {@code ratePerSecond} over the whole fleet, until
     * {@code duration} has passed, {@code maxMessages} were sent, or {@link Run#stop()}. Each device connects on its
     * first message and keeps its connection; a failed publish closes it, is counted, and the device reconnects on its
     * next turn.
     */
    public Run publish(List<SimDevice> devices, double ratePerSecond, Duration duration, long maxMessages,
            BiFunction<SimDevice, Long, byte[]> payloads) {
        if (devices.isEmpty()) {
            throw new IllegalArgumentException("there are no devices to publish from");
        }
        if (!(ratePerSecond > 0) || ratePerSecond > MAX_RATE) {
            throw new IllegalArgumentException("rate must be in (0, " + MAX_RATE + "] messages per second, was " + ratePerSecond);
        }
        if (duration == null || duration.isNegative() || duration.isZero() || duration.compareTo(Duration.ofHours(24)) > 0) {
            throw new IllegalArgumentException("duration must be positive and at most 24 h, was " + duration);
        }
        if (maxMessages < 1) {
            throw new IllegalArgumentException("maxMessages must be at least 1, was " + maxMessages);
        }
        Run run = new Run(devices, ratePerSecond, duration, maxMessages, Objects.requireNonNull(payloads, "payloads must not be null"));
        run.start();
        return run;
    }

    /**
     * One publishing run; its threads end by themselves at the deadline or the count. The count is shared out equally
     * over the devices (the first ones get one more when it does not divide), so each device sends a known number of
     * messages whatever the threads' speed.
     */
    public final class Run {
        private final List<SimDevice> devices;
        private final long intervalNanos;
        private final long deadlineNanos;
        /** each device's share of the message budget: equal shares, the remainder to the first devices */
        private final long[] quota;
        private final AtomicLong nextSlot;
        private final BiFunction<SimDevice, Long, byte[]> payloads;
        private final List<Thread> threads = new ArrayList<>();
        private volatile boolean stopped;

        private Run(List<SimDevice> devices, double rate, Duration duration, long maxMessages, BiFunction<SimDevice, Long, byte[]> payloads) {
            this.devices = List.copyOf(devices);
            this.intervalNanos = (long) (1e9 / rate);
            long now = System.nanoTime();
            this.deadlineNanos = now + duration.toNanos();
            this.quota = new long[this.devices.size()];
            for (int i = 0; i < quota.length; i++) {
                quota[i] = maxMessages / quota.length + (i < maxMessages % quota.length ? 1 : 0);
            }
            this.nextSlot = new AtomicLong(now);
            this.payloads = payloads;
        }

        private void start() {
            int n = Math.min(MAX_PUBLISHERS, devices.size());
            for (int t = 0; t < n; t++) {
                List<SimDevice> share = new ArrayList<>();
                List<Long> shareQuota = new ArrayList<>();
                for (int i = t; i < devices.size(); i += n) {
                    share.add(devices.get(i));
                    shareQuota.add(quota[i]);
                }
                Thread thread = daemon("sim-publish").newThread(() -> publishLoop(share, shareQuota.stream().mapToLong(Long::longValue).toArray()));
                threads.add(thread);
                thread.start();
            }
        }

        /** The next send time of the shared pace, or -1 when the run is over. */
        private long acquireSlot() {
            if (stopped) {
                return -1;
            }
            // one shared pace over every thread: each message takes the next slot, and an idle spell is not made up for
            long now = System.nanoTime();
            long slot = nextSlot.updateAndGet(s -> Math.max(s, now - intervalNanos) + intervalNanos);
            return slot >= deadlineNanos ? -1 : slot;
        }

        private void publishLoop(List<SimDevice> share, long[] quota) {
            MqttSession[] sessions = new MqttSession[share.size()];
            long[] sent = new long[share.size()];
            long left = java.util.Arrays.stream(quota).sum();
            try {
                for (int i = 0; left > 0; i = (i + 1) % share.size()) {
                    if (sent[i] >= quota[i]) {
                        continue; // this device has had its share; the others of this thread go on
                    }
                    left--;
                    long slot = acquireSlot();
                    if (slot < 0) {
                        return;
                    }
                    long wait = slot - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    if (stopped) {
                        return;
                    }
                    SimDevice d = share.get(i);
                    try {
                        if (sessions[i] == null) {
                            sessions[i] = MqttSession.connect(d.mqttHost(), d.mqttPort(), "sim-" + d.deviceId(), d.username(), d.password(),
                                    settings.timeout());
                        }
                        counters.published(d.region());
                        sessions[i].publish("telemetry", payloads.apply(d, sent[i]++));
                        counters.acked(d.region());
                    } catch (IOException e) {
                        counters.failed(d.region());
                        if (sessions[i] != null) {
                            sessions[i].close();
                            sessions[i] = null;
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                for (MqttSession s : sessions) {
                    if (s != null) {
                        s.close();
                    }
                }
            }
        }

        /** Ends the run: no new message is sent; one in flight finishes or times out. */
        public void stop() {
            stopped = true;
        }

        /** Waits for every publishing thread to end; answers whether they all did within {@code timeout}. */
        public boolean await(Duration timeout) throws InterruptedException {
            long until = System.nanoTime() + timeout.toNanos();
            for (Thread t : threads) {
                long left = until - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                if (t.isAlive()) {
                    return false;
                }
            }
            return true;
        }

        public boolean finished() {
            return threads.stream().noneMatch(Thread::isAlive);
        }
    }

    private synchronized String token() throws IOException, InterruptedException {
        if (Instant.now().isBefore(tokenUntil)) {
            return token;
        }
        String form = Map.of("grant_type", "client_credentials", "client_id", settings.clientId(), "client_secret", settings.clientSecret())
                .entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(settings.tokenEndpoint()).timeout(settings.timeout())
                .header("content-type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("client " + settings.clientId() + " got no token from " + settings.tokenEndpoint() + ": " + r.statusCode());
        }
        JsonNode body = JSON.readTree(r.body());
        token = body.get("access_token").asText();
        // renewed well before it expires, so a long registration never sends an expired token
        tokenUntil = Instant.now().plusSeconds(Math.max(5, body.path("expires_in").asLong(60) / 2));
        return token;
    }

    private HttpResponse<String> send(String method, String uri, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri)).timeout(settings.timeout())
                .header("Authorization", "Bearer " + token())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicLong n = new AtomicLong();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
