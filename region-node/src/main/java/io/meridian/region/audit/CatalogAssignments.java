package io.meridian.region.audit;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Asks the global catalog which region each device is assigned to ({@code POST /v1/audit/assignments}), in batches of at
 * most {@value #MAX_BATCH} ids and {@value #MAX_BATCH_BYTES} bytes (the catalog reads at most 64 KiB), forwarding the
 * auditor's bearer token so the catalog authorizes the auditor, not this node. Blocking.
 */
public interface CatalogAssignments {

    int MAX_BATCH = 1000;
    int MAX_BATCH_BYTES = 48 * 1024;

    /** The catalog could not answer; the storage check cannot be made. */
    final class Unavailable extends RuntimeException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Each device's assigned region, empty when the catalog does not know the device.
     *
     * @throws Unavailable when the catalog does not answer, or answers with anything but 200 and a well-formed body
     */
    Map<String, Optional<String>> assignments(String tenantId, List<String> deviceIds, String bearerToken);

    /** The catalog at {@code api} (for example {@code http://127.0.0.1:18090/v1}). */
    static CatalogAssignments http(URI api, Duration timeout) {
        Objects.requireNonNull(api, "api must not be null");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
        URI endpoint = URI.create(api.toString().replaceAll("/+$", "") + "/audit/assignments");
        return (tenantId, deviceIds, token) -> {
            Map<String, Optional<String>> out = new HashMap<>();
            for (List<String> batch : batches(deviceIds)) {
                String body = new JsonObject().put("tenant", tenantId).put("devices", new JsonArray(new ArrayList<>(batch))).encode();
                HttpResponse<String> r;
                try {
                    r = client.send(HttpRequest.newBuilder(endpoint).timeout(timeout).header("Authorization", "Bearer " + token)
                            .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                            HttpResponse.BodyHandlers.ofString());
                } catch (IOException e) {
                    throw new Unavailable("the catalog at " + endpoint + " did not answer: " + e.getMessage(), e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new Unavailable("interrupted while asking the catalog at " + endpoint, e);
                }
                if (r.statusCode() != 200) {
                    String detail;
                    try {
                        detail = new JsonObject(r.body()).getString("detail", "");
                    } catch (DecodeException | ClassCastException e) {
                        detail = "";
                    }
                    throw new Unavailable("the catalog at " + endpoint + " answered " + r.statusCode() + (detail.isEmpty() ? "" : ": " + detail), null);
                }
                JsonObject assignments;
                try {
                    assignments = new JsonObject(r.body()).getJsonObject("assignments");
                } catch (DecodeException | ClassCastException e) {
                    throw new Unavailable("the catalog at " + endpoint + " answered a body that is not its assignments", e);
                }
                if (assignments == null) {
                    throw new Unavailable("the catalog at " + endpoint + " answered without assignments", null);
                }
                for (String id : batch) {
                    if (!assignments.containsKey(id)) {
                        throw new Unavailable("the catalog at " + endpoint + " left a device of the batch unanswered", null);
                    }
                    out.put(id, Optional.ofNullable(assignments.getString(id)));
                }
            }
            return out;
        };
    }

    /** Splits ids into batches within both limits. */
    static List<List<String>> batches(List<String> ids) {
        List<List<String>> out = new ArrayList<>();
        List<String> current = new ArrayList<>();
        int bytes = 0;
        for (String id : ids) {
            // the id's JSON string: quotes, comma and escapes at most double its UTF-8 length
            int size = id.getBytes(StandardCharsets.UTF_8).length * 2 + 3;
            if (!current.isEmpty() && (current.size() == MAX_BATCH || bytes + size > MAX_BATCH_BYTES)) {
                out.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(id);
            bytes += size;
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out;
    }
}
