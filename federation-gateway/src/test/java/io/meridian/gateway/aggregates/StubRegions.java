package io.meridian.gateway.aggregates;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.meridian.aggregate.WindowState;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Stand-ins for Keycloak's token endpoint and the regions' data APIs on one loopback HTTP server: a region's answers are
 * whatever the test sets for it, in the region data API's format ({@link #answer}). Fakes for fast unit tests only;
 * GatewayAggregatesIT runs the real nodes.
 */
final class StubRegions implements AutoCloseable {

    /** What a region stand-in does with a request. */
    interface Behaviour {
        void handle(HttpExchange exchange) throws IOException, InterruptedException;
    }

    /** A request a region stand-in received. */
    record Received(String region, String path, String query, String traceparent, String authorization) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Map<String, Behaviour> regions = new ConcurrentHashMap<>();
    final List<Received> received = new CopyOnWriteArrayList<>();
    /** Whether the token endpoint refuses the gateway's client (401), as a Keycloak that lost the client would. */
    volatile boolean refuseTokens;

    StubRegions() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(threads);
        server.createContext("/realms/meridian/protocol/openid-connect/token", e -> {
            if (refuseTokens) {
                send(e, 401, "application/json", "{\"error\":\"unauthorized_client\"}".getBytes(StandardCharsets.UTF_8));
            } else {
                send(e, 200, "application/json", "{\"access_token\":\"gateway-token\",\"expires_in\":300}".getBytes(StandardCharsets.UTF_8));
            }
        });
        server.createContext("/", e -> {
            String path = e.getRequestURI().getRawPath();
            String region = path.split("/")[1];
            received.add(new Received(region, path, e.getRequestURI().getRawQuery(), e.getRequestHeaders().getFirst("traceparent"),
                    e.getRequestHeaders().getFirst("Authorization")));
            Behaviour b = regions.get(region);
            try {
                if (b == null) {
                    send(e, 404, "application/problem+json", "{\"status\":404,\"detail\":\"no such stub region\"}".getBytes(StandardCharsets.UTF_8));
                } else {
                    b.handle(e);
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            } finally {
                e.close();
            }
        });
        server.start();
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void region(String id, Behaviour behaviour) {
        regions.put(id, behaviour);
    }

    static void send(HttpExchange e, int status, String type, byte[] body) throws IOException {
        e.getResponseHeaders().set("Content-Type", type);
        e.sendResponseHeaders(status, body.length);
        e.getResponseBody().write(body);
        e.getResponseBody().close();
    }

    /** A cell: its group and the (device, value) pairs in it. */
    record Cell(String windowStart, String window, String kind, String value, List<Map.Entry<String, Double>> values) {
        WindowState state() {
            WindowState s = WindowState.empty();
            values.forEach(v -> s.add(v.getKey(), v.getValue()));
            return s;
        }
    }

    /** A decision and the cells bytes it covers, as a region sends them. */
    record Answer(UUID decisionId, long sequence, String outcome, String cells, String payloadHash, Map<String, Integer> suppressed) {

        /** The body the region data API sends: the head, then {@code "cells":} and the exact bytes that were hashed. */
        byte[] body(String tenant, String region) {
            ObjectNode decision = JSON.createObjectNode().put("id", decisionId.toString()).put("sequence", sequence).put("outcome", outcome);
            decision.putArray("rules").add("K");
            decision.put("suppressedCells", suppressed.values().stream().mapToInt(Integer::intValue).sum());
            decision.put("policyRevision", "rev-1");
            ObjectNode counts = decision.putObject("suppressedCounts");
            suppressed.forEach(counts::put);
            if (payloadHash != null) {
                decision.put("payloadHash", payloadHash);
            }
            ObjectNode head = JSON.createObjectNode().put("tenant", tenant).put("region", region).put("metric", "temp");
            head.set("decision", decision);
            String prefix = head.toString();
            return (prefix.substring(0, prefix.length() - 1) + ",\"cells\":" + cells + "}").getBytes(StandardCharsets.UTF_8);
        }

        /** The same answer with other cells bytes but the original hash: what a tampering hop would produce. */
        Answer withCells(String other) {
            return new Answer(decisionId, sequence, outcome, other, payloadHash, suppressed);
        }
    }

    static Answer answer(String outcome, long sequence, Map<String, Integer> suppressed, List<Cell> cells) {
        ArrayNode array = JSON.createArrayNode();
        for (Cell c : cells) {
            WindowState s = c.state();
            ObjectNode group = JSON.createObjectNode().put("kind", c.kind());
            if (!c.value().isEmpty()) {
                group.put("value", c.value());
            }
            ObjectNode cell = array.addObject().put("key", c.windowStart() + "/" + c.window() + "/" + c.kind()).put("windowStart", c.windowStart())
                    .put("window", c.window());
            cell.set("group", group);
            cell.put("count", s.count()).put("sum", s.sum()).put("min", s.min()).put("max", s.max()).put("mean", s.mean())
                    .put("distinctDevices", s.distinctDevices());
            cell.putObject("quantiles").put("p50", s.quantile(0.5));
            cell.put("state", Base64.getEncoder().encodeToString(s.serialize()));
        }
        String bytes = array.toString();
        String hash = "DENY".equals(outcome) ? null : sha256(bytes);
        return new Answer(UUID.randomUUID(), sequence, outcome, bytes, hash, suppressed);
    }

    static Behaviour serve(String tenant, String region, Answer answer) {
        return e -> send(e, 200, "application/json", answer.body(tenant, region));
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Map.Entry<String, Double>> values(String devicePrefix, int devices, double base) {
        List<Map.Entry<String, Double>> v = new ArrayList<>();
        for (int i = 0; i < devices; i++) {
            v.add(Map.entry(devicePrefix + i, base + i * 0.5));
            v.add(Map.entry(devicePrefix + i, base + i * 0.25 + 100));
        }
        return v;
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
