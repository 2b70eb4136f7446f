package io.meridian.region.adapter.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Random and malformed HTTP requests against the adapter, on raw sockets and through {@link HttpClient}, bounded in
 * count and time. Every request is invalid by construction: valid credentials are only ever combined with
 * something the adapter must refuse (a bad QoS, no content type, an oversize or truncated body, another tenant),
 * so nothing of it may reach Kafka.
 */
final class HttpFuzz {

    /** What the fuzz saw: how many requests went out, and the statuses that came back (-1: none before close). */
    record Result(int sent, Map<Integer, Integer> statuses, Duration took) {
        int answeredWith(int status) {
            return statuses.getOrDefault(status, 0);
        }
    }

    private final int port;
    private final String user;
    private final String password;
    private final String otherTenant;
    private final int maxPayloadSize;
    private final Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
    private final AtomicInteger sent = new AtomicInteger();

    HttpFuzz(int port, String user, String password, String otherTenant, int maxPayloadSize) {
        this.port = port;
        this.user = user;
        this.password = password;
        this.otherTenant = otherTenant;
        this.maxPayloadSize = maxPayloadSize;
    }

    Result run(long seed, int rawCount, int clientCount, Duration bound) throws Exception {
        Instant deadline = Instant.now().plus(bound);
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                Random random = new Random(seed + w);
                int share = rawCount / 8 + (w < rawCount % 8 ? 1 : 0);
                workers.add(pool.submit(() -> {
                    for (int i = 0; i < share && Instant.now().isBefore(deadline); i++) {
                        record(rawRequest(random));
                    }
                    return null;
                }));
            }
            runClient(new Random(seed ^ 0x5eed), clientCount, deadline);
            for (Future<?> worker : workers) {
                worker.get(Duration.between(Instant.now(), deadline).toMillis() + 10_000, TimeUnit.MILLISECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        return new Result(sent.get(), new TreeMap<>(statuses), Duration.ofNanos(System.nanoTime() - t0));
    }

    private void record(int status) {
        sent.incrementAndGet();
        statuses.merge(status, 1, Integer::sum);
    }

    // ---- raw sockets

    private String basic(String userAndPassword) {
        return "Authorization: Basic " + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8)) + "\r\n";
    }

    private String valid() {
        return basic(user + ":" + password);
    }

    private static String token(Random random, int max) {
        StringBuilder b = new StringBuilder();
        int n = 1 + random.nextInt(max);
        for (int i = 0; i < n; i++) {
            b.append((char) ('A' + random.nextInt(26)));
        }
        return b.toString();
    }

    private static byte[] randomBytes(Random random, int max) {
        byte[] bytes = new byte[1 + random.nextInt(max)];
        random.nextBytes(bytes);
        return bytes;
    }

    /** One malformed request on its own connection; returns the status of the first response, or -1. */
    private int rawRequest(Random random) {
        String head = "Host: 127.0.0.1\r\n";
        String json = "{\"temp\": " + random.nextInt(100) + "}";
        byte[] request;
        boolean truncated = false;
        switch (random.nextInt(20)) {
            case 0 -> request = concat(randomBytes(random, 2000), "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            case 1 -> request = ascii(token(random, 12) + " /telemetry HTTP/1.1\r\n" + head + valid() + "content-length: 2\r\n\r\n{}");
            case 2 -> request = ascii("POST /telemetry HTTP/1.1\r\n" + head + "X-Big: " + "a".repeat(9000 + random.nextInt(20000)) + "\r\n\r\n");
            case 3 -> request = ascii("POST /" + "t".repeat(5000 + random.nextInt(10000)) + " HTTP/1.1\r\n" + head + "\r\n");
            case 4 -> request = ascii("POST /telemetry HTTP/1.1\r\n" + head + "Authorization: Basic " + token(random, 30) + "%%\r\n"
                    + "content-type: application/json\r\ncontent-length: " + json.length() + "\r\n\r\n" + json);
            case 5 -> request = ascii("POST /telemetry HTTP/1.1\r\n" + head + valid() + "QoS-Level: " + (2 + random.nextInt(50))
                    + "\r\ncontent-type: application/json\r\ncontent-length: " + json.length() + "\r\n\r\n" + json);
            case 6 -> {
                // the body stops half-way and the connection closes: nothing may be forwarded
                request = ascii("POST /event HTTP/1.1\r\n" + head + valid() + "content-type: application/json\r\ncontent-length: "
                        + (json.length() + 50) + "\r\n\r\n" + json);
                truncated = true;
            }
            case 7 -> request = ascii("POST /telemetry HTTP/1.1\r\n" + head + "content-type: application/json\r\ncontent-length: 3\r\n\r\n"
                    + json + json);
            case 8 -> request = ascii("POST /telemetry HTTP/1.1\r\n" + head + "content-length: " + (random.nextBoolean() ? "-3" : "abc") + "\r\n\r\n{}");
            case 9 -> request = ascii("POST /telemetry HTTP/1.1\r\n" + valid() + "content-length: 2\r\n\r\n{}");
            case 10 -> request = ascii("POST /telemetry HTTP/1.1\r\n" + head + valid() + "content-length: " + json.length() + "\r\n\r\n" + json);
            case 11 -> {
                String big = "x".repeat(maxPayloadSize + 1 + random.nextInt(4000));
                request = ascii("POST /telemetry HTTP/1.1\r\n" + head + valid() + "content-type: text/plain\r\ncontent-length: " + big.length()
                        + "\r\n\r\n" + big);
            }
            case 12 -> request = ascii("POST /telemetry HTTP/" + random.nextInt(10) + "." + random.nextInt(10) + "\r\n" + head + "\r\n");
            case 13 -> request = ascii("POST /telemetry HTTP/1.1\r\n" + head + "no colon in this header line\r\n\r\n");
            case 14 -> request = ascii("POST /event HTTP/1.1\r\n" + head + "transfer-encoding: chunked\r\ncontent-type: text/plain\r\n\r\nzz\r\n"
                    + token(random, 20) + "\r\n0\r\n\r\n");
            case 15 -> request = concat(ascii("POST /tele"), new byte[] {0, 0, 1, 2}, ascii("metry HTTP/1.1\r\n" + head + "\r\n"));
            case 16 -> request = ascii("POST /telemetry HTTP/1.1\r\n" + head + basic(user + ":" + token(random, 16))
                    + "content-type: application/json\r\ncontent-length: " + json.length() + "\r\n\r\n" + json);
            case 17 -> request = ascii("POST /telemetry HTTP/1.1\r\n" + head + basic(token(random, 10) + ":" + token(random, 10))
                    + "content-type: application/json\r\ncontent-length: " + json.length() + "\r\n\r\n" + json);
            case 18 -> request = ascii("PUT /telemetry/" + otherTenant + "/" + token(random, 8) + " HTTP/1.1\r\n" + head + valid()
                    + "content-type: application/json\r\ncontent-length: " + json.length() + "\r\n\r\n" + json);
            default -> request = ascii("POST /event HTTP/1.1\r\n" + head + valid()
                    + "content-type: application/vnd.eclipse-hono-empty-notification\r\ncontent-length: " + json.length() + "\r\n\r\n" + json);
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (IOException e) {
                // the adapter may close on an oversize request before reading all of it; the status may still be there
            }
            if (truncated) {
                return -1;
            }
            return readStatus(socket.getInputStream());
        } catch (IOException e) {
            return -1;
        }
    }

    private static int readStatus(InputStream in) throws IOException {
        byte[] line = new byte[12];
        int n = 0;
        try {
            while (n < line.length) {
                int r = in.read(line, n, line.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
        } catch (SocketTimeoutException e) {
            return -1;
        }
        String status = new String(line, 0, n, StandardCharsets.ISO_8859_1);
        if (n == line.length && status.startsWith("HTTP/1.")) {
            try {
                return Integer.parseInt(status.substring(9, 12));
            } catch (NumberFormatException e) {
                return -2;
            }
        }
        return -1;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] p : parts) {
            length += p.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    // ---- java.net.http.HttpClient

    private void runClient(Random random, int count, Instant deadline) throws InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).version(HttpClient.Version.HTTP_1_1).build();
        Semaphore window = new Semaphore(32);
        List<CompletableFuture<?>> pending = new ArrayList<>();
        for (int i = 0; i < count && Instant.now().isBefore(deadline); i++) {
            window.acquire();
            HttpRequest request = clientRequest(random);
            pending.add(client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                    .handle((response, failure) -> {
                        record(response == null ? -1 : response.statusCode());
                        window.release();
                        return null;
                    }));
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).orTimeout(30, TimeUnit.SECONDS).exceptionally(t -> null).join();
    }

    private HttpRequest clientRequest(Random random) {
        String base = "http://127.0.0.1:" + port;
        String json = "{\"n\": " + random.nextInt() + "}";
        String authorization = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        HttpRequest.Builder b;
        switch (random.nextInt(9)) {
            case 0 -> b = HttpRequest.newBuilder(URI.create(base + List.of("/telemetry", "/event", "/command/res/x").get(random.nextInt(3))))
                    .method(List.of("GET", "DELETE", "PATCH", "OPTIONS", "PURGE", token(random, 8)).get(random.nextInt(6)),
                            HttpRequest.BodyPublishers.ofString(json));
            case 1 -> b = HttpRequest.newBuilder(URI.create(base + "/" + URLEncoder.encode(new String(randomBytes(random, 60),
                    StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8))).POST(HttpRequest.BodyPublishers.ofString(json))
                    .header("authorization", authorization);
            case 2 -> b = HttpRequest.newBuilder(URI.create(base + "/telemetry")).POST(HttpRequest.BodyPublishers.ofString(json))
                    .header("X-" + token(random, 20), token(random, 200)).header("content-type", "application/json");
            case 3 -> b = HttpRequest.newBuilder(URI.create(base + "/event")).POST(HttpRequest.BodyPublishers.ofString(json))
                    .header("authorization", "Basic " + token(random, 40)).header("content-type", "application/json");
            case 4 -> b = HttpRequest.newBuilder(URI.create(base + "/telemetry")).POST(HttpRequest.BodyPublishers.ofString(json))
                    .header("authorization", authorization).header("content-type", "application/json")
                    .header("QoS-Level", List.of("2", "-1", "x", "01 1", "").get(random.nextInt(5)));
            case 5 -> b = HttpRequest.newBuilder(URI.create(base + "/telemetry"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[maxPayloadSize + 1 + random.nextInt(4000)]))
                    .header("authorization", authorization).header("content-type", "application/octet-stream");
            case 6 -> b = HttpRequest.newBuilder(URI.create(base + "/event?hono-ttd=" + token(random, 5)))
                    .POST(HttpRequest.BodyPublishers.ofString(json))
                    .header("authorization", authorization).header("content-type", "application/json");
            case 7 -> b = HttpRequest.newBuilder(URI.create(base + "/event/" + otherTenant + "/" + token(random, 8)))
                    .PUT(HttpRequest.BodyPublishers.ofString(json))
                    .header("authorization", authorization).header("content-type", "application/json");
            default -> b = HttpRequest.newBuilder(URI.create(base + "/command/res/" + token(random, 30)))
                    .POST(HttpRequest.BodyPublishers.ofString(json))
                    .header("authorization", authorization).header("hono-cmd-status", token(random, 3));
        }
        return b.timeout(Duration.ofSeconds(10)).build();
    }
}
