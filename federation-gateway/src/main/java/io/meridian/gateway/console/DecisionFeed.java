package io.meridian.gateway.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.gateway.client.RegionClient;
import io.meridian.policy.model.RegionId;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One region's decision log as the console needs it: the records of the last {@link #KEEP}, read incrementally from the
 * region's {@code GET /v1/decisions?from=<sequence>} (pages of {@link #PAGE}, with the gateway's token) and held in memory
 * as summaries: ids, sequence, time, outcome, tenant, rules, counts and hashes, never payloads or device ids.
 *
 * <p>The log is paged by sequence, not time, so the first read starts at most {@link #BACKFILL} records before the head
 * (a long-lived region's whole log would take minutes to page through); a refresh reads only what is new, at most
 * {@link #MAX_PAGES} pages, and is skipped when the last one is younger than {@link #REFRESH_EVERY}. At most
 * {@link #MAX_HELD} records are held. Thread-safe: one refresh at a time.
 */
public final class DecisionFeed {

    public static final int PAGE = 1000;
    public static final int MAX_PAGES = 20;
    public static final long BACKFILL = 20_000;
    public static final int MAX_HELD = 200_000;
    public static final Duration KEEP = Duration.ofHours(25);
    public static final Duration REFRESH_EVERY = Duration.ofSeconds(2);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One decision as the console shows it. */
    public record Decision(String decisionId, long sequence, Instant at, String outcome, String tenant, List<String> rules,
            long suppressedCells, Optional<String> payloadHash, RegionId sourceRegion, Optional<String> destinationRegion) {
    }

    private final RegionId region;
    private final RegionClient client;
    private final Clock clock;
    private final Deque<Decision> held = new ArrayDeque<>();
    private long next = 0; // 0: not read yet
    private Instant refreshedAt = Instant.EPOCH;
    private Optional<String> lastError = Optional.of("not read yet");

    public DecisionFeed(RegionId region, RegionClient client, Clock clock) {
        this.region = Objects.requireNonNull(region, "region must not be null");
        this.client = Objects.requireNonNull(client, "client must not be null");
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
    }

    public RegionId region() {
        return region;
    }

    /**
     * Reads what is new (unless read within {@link #REFRESH_EVERY}) and returns the held records; blocking.
     *
     * @return empty error when the region's log could be read up to its head (or this refresh's page bound), else why not;
     *         the records held from earlier reads are kept either way
     */
    public synchronized Optional<String> refresh() {
        Instant now = clock.instant();
        if (now.isBefore(refreshedAt.plus(REFRESH_EVERY))) {
            return lastError;
        }
        refreshedAt = now;
        try {
            for (int page = 0; page < MAX_PAGES; page++) {
                JsonNode body = read(next == 0 ? 1 : next);
                long head = body.path("head").path("sequence").asLong();
                if (next == 0 && head > BACKFILL) {
                    next = head - BACKFILL + 1;
                    continue;
                }
                JsonNode items = body.path("items");
                for (JsonNode item : items) {
                    add(item);
                }
                if (items.size() > 0) {
                    next = items.get(items.size() - 1).path("sequence").asLong() + 1;
                } else if (next == 0) {
                    next = 1;
                }
                if (!body.hasNonNull("next")) {
                    break;
                }
            }
            prune(now);
            lastError = Optional.empty();
        } catch (IOException e) {
            lastError = Optional.of("region " + region.value() + " did not answer the decision log request: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            lastError = Optional.of("interrupted while reading region " + region.value() + "'s decision log");
        } catch (RuntimeException e) {
            lastError = Optional.of("region " + region.value() + "'s decision log could not be read: " + e.getMessage());
        }
        return lastError;
    }

    /** The held records with {@code from <= at < to}, oldest first. */
    public synchronized List<Decision> between(Instant from, Instant to) {
        List<Decision> out = new ArrayList<>();
        for (Decision d : held) {
            if (!d.at().isBefore(from) && d.at().isBefore(to)) {
                out.add(d);
            }
        }
        return out;
    }

    private JsonNode read(long from) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = client.call(region, "GET", "/decisions?from=" + from + "&limit=" + PAGE, Optional.empty());
        if (r.statusCode() != 200) {
            throw new IOException("it answered " + r.statusCode());
        }
        return JSON.readTree(r.body());
    }

    private void add(JsonNode item) {
        long suppressed = 0;
        for (JsonNode n : item.path("suppressedCounts")) {
            suppressed += n.asLong();
        }
        List<String> rules = new ArrayList<>();
        item.path("rules").forEach(r -> rules.add(r.asText()));
        held.addLast(new Decision(item.path("decisionId").asText(), item.path("sequence").asLong(), Instant.parse(item.path("time").asText()),
                item.path("outcome").asText(), item.path("tenant").asText(), List.copyOf(rules), suppressed,
                Optional.ofNullable(item.get("payloadHash")).map(JsonNode::asText), RegionId.of(item.path("sourceRegion").asText(region.value())),
                Optional.ofNullable(item.get("destinationRegion")).map(JsonNode::asText)));
    }

    private void prune(Instant now) {
        Instant oldest = now.minus(KEEP);
        while (!held.isEmpty() && (held.size() > MAX_HELD || held.peekFirst().at().isBefore(oldest))) {
            held.removeFirst();
        }
    }
}
