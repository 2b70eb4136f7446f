package io.meridian.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads one gateway's whole ledger (every page) and its own verification of the chain. */
final class LedgerReader {

    static final int PAGE = 1000;
    static final int MAX_PAGES = 100_000;

    /** A gateway's ledger, or why it could not be read. */
    record Ledger(String gateway, List<LedgerEntry> entries, Optional<JsonNode> verification, Optional<String> error) {
    }

    private LedgerReader() {
    }

    static Ledger read(AuditHttp http, String gateway, URI api, Duration timeout) throws InterruptedException {
        String who = "the gateway of " + gateway;
        List<LedgerEntry> entries = new ArrayList<>();
        try {
            JsonNode verification = http.get(URI.create(api + "/audit/ledger/verify"), who, timeout);
            long from = 1;
            for (int page = 0; page < MAX_PAGES; page++) {
                JsonNode body = http.get(URI.create(api + "/audit/ledger?from=" + from + "&limit=" + PAGE), who, timeout);
                for (JsonNode e : body.path("entries")) {
                    entries.add(entry(gateway, e));
                }
                JsonNode next = body.get("next");
                if (next == null || next.isNull()) {
                    break;
                }
                if (next.asLong() <= from) {
                    throw new AuditHttp.CallFailed(who + " answered a ledger page whose next (" + next.asLong() + ") does not advance past " + from);
                }
                from = next.asLong();
            }
            return new Ledger(gateway, List.copyOf(entries), Optional.of(verification), Optional.empty());
        } catch (AuditHttp.CallFailed e) {
            return new Ledger(gateway, List.of(), Optional.empty(), Optional.of(e.getMessage()));
        } catch (IllegalArgumentException | DateTimeParseException e) {
            return new Ledger(gateway, List.of(), Optional.empty(), Optional.of(who + " served a ledger entry that cannot be read: " + e.getMessage()));
        }
    }

    private static LedgerEntry entry(String gateway, JsonNode e) {
        return new LedgerEntry(gateway, e.path("sequence").asLong(), text(e, "kind"), text(e, "tenant"), text(e, "sourceRegion"),
                text(e, "sourceJurisdiction"), text(e, "destination"), text(e, "sourceDecisionId"), e.path("sourceDecisionSequence").asLong(),
                text(e, "payloadHash"), e.path("cells").asLong(), Instant.parse(text(e, "at")), text(e, "hash"));
    }

    private static String text(JsonNode e, String field) {
        JsonNode v = e.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("ledger entry field " + field + " must be present");
        }
        return v.asText();
    }
}
