package io.meridian.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.meridian.policy.ChainHead;
import io.meridian.policy.ChainVerification;
import io.meridian.policy.ChainVerifier;
import io.meridian.policy.DecisionRecord;
import io.meridian.policy.Outcome;
import io.meridian.policy.model.DataCategory;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.RegionId;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Check 2: a region's decision-log chain is intact. The region's own {@code GET /v1/decisions/verify} is asked, and the
 * chain is verified again here from the paged records with residency-policy's {@link ChainVerifier}, so that a region
 * whose verify answer lies is caught. The records read are kept, compactly, for checks 3 and 4 and the transfer matrix.
 */
final class DecisionChainCheck {

    /** The largest page the region serves. */
    static final int PAGE = 1000;
    /** A bound on pages, so that a region that keeps answering {@code next} cannot hold the run forever. */
    static final int MAX_PAGES = 100_000;

    /** A region's log as read: the records (compact), the outcome of check 2, and whether it could be read at all. */
    record Result(String region, List<LoggedDecision> decisions, CheckRow row, boolean readable) {
    }

    private DecisionChainCheck() {
    }

    static Result run(AuditHttp http, String region, URI dataApi, Duration timeout, Findings findings) throws InterruptedException {
        String who = "region " + region;
        JsonNode verify;
        List<DecisionRecord> records = new ArrayList<>();
        List<LoggedDecision> decisions = new ArrayList<>();
        ChainHead head = null;
        Optional<Unreadable> unreadable = Optional.empty();
        try {
            verify = http.get(URI.create(dataApi + "/decisions/verify"), who, timeout);
            long from = 1;
            for (int page = 0; page < MAX_PAGES; page++) {
                JsonNode body = http.get(URI.create(dataApi + "/decisions?from=" + from + "&limit=" + PAGE), who, timeout);
                if (head == null) {
                    head = head(body.path("head"));
                }
                for (JsonNode item : body.path("items")) {
                    if (unreadable.isPresent()) {
                        break;
                    }
                    try {
                        DecisionRecord r = record(item);
                        records.add(r);
                        decisions.add(compact(region, r));
                    } catch (RuntimeException e) {
                        unreadable = Optional.of(new Unreadable(item.path("sequence").asLong(-1), e.getMessage()));
                    }
                }
                JsonNode next = body.get("next");
                if (unreadable.isPresent() || next == null || next.isNull()) {
                    break;
                }
                long n = next.asLong();
                if (n <= from) {
                    throw new AuditHttp.CallFailed(who + " answered a decision page whose next (" + n + ") does not advance past " + from);
                }
                from = n;
            }
        } catch (AuditHttp.CallFailed e) {
            return new Result(region, List.of(), CheckRow.error(Findings.Check.CHAIN, region, e.getMessage()), false);
        } catch (IllegalArgumentException e) {
            return new Result(region, List.of(), CheckRow.error(Findings.Check.CHAIN, region,
                    who + " answered a decision page without a usable head: " + e.getMessage()), false);
        }
        ChainHead expected = head == null ? ChainHead.GENESIS : head;
        // an unreadable record ends what can be verified: judge the records before it without the head, which lies beyond
        ChainVerification own = unreadable.isPresent() ? ChainVerifier.verify(ChainHead.GENESIS, records, Optional.empty())
                : ChainVerifier.verify(records, expected);
        long checked = records.size();
        int before = 0;
        List<String> problems = new ArrayList<>();

        // what the region says about itself
        boolean regionIntact = verify.path("intact").asBoolean(false);
        JsonNode regionBreak = verify.path("firstBreak");
        if (!regionIntact) {
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("sequence", regionBreak.path("sequence").asLong());
            evidence.put("kind", regionBreak.path("kind").asText("UNKNOWN"));
            evidence.put("lastGoodSequence", verify.path("lastGood").path("sequence").asLong());
            evidence.put("lastGoodHash", verify.path("lastGood").path("hash").asText());
            evidence.put("reportedBy", "region");
            findings.add(Findings.Check.CHAIN, Findings.VIOLATION, region,
                    "decision log chain broken at sequence " + regionBreak.path("sequence").asLong() + " (" + evidence.get("kind")
                            + "), as the region reports", evidence, Controls.CHAIN);
            problems.add("the region reports a break at sequence " + regionBreak.path("sequence").asLong());
        }

        // what the records say, verified here
        Optional<Map<String, Object>> ownBreak = Optional.empty();
        if (own.firstBreak().isPresent()) {
            ChainVerification.Break b = own.firstBreak().get();
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("sequence", b.sequence());
            evidence.put("kind", b.kind().name());
            evidence.put("lastGoodSequence", own.lastGoodHead().sequence());
            evidence.put("lastGoodHash", own.lastGoodHead().hash());
            records.stream().filter(r -> r.sequence() == b.sequence()).findFirst().ifPresent(r -> {
                evidence.put("decisionId", r.decisionId().toString());
                evidence.put("storedHash", r.hash());
                evidence.put("computedHash", r.computeHash());
                evidence.put("storedPreviousHash", r.previousHash());
            });
            evidence.put("expectedPrevious", own.lastGoodHead().hash());
            ownBreak = Optional.of(evidence);
        } else if (unreadable.isPresent() && (head == null || unreadable.get().sequence() <= head.sequence())) {
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("sequence", unreadable.get().sequence());
            evidence.put("kind", "UNREADABLE");
            evidence.put("lastGoodSequence", own.lastGoodHead().sequence());
            evidence.put("lastGoodHash", own.lastGoodHead().hash());
            ownBreak = Optional.of(evidence);
        }
        if (ownBreak.isPresent()) {
            Map<String, Object> evidence = ownBreak.get();
            evidence.put("reportedBy", "audit");
            long seq = ((Number) evidence.get("sequence")).longValue();
            boolean sameAsRegion = !regionIntact && regionBreak.path("sequence").asLong() == seq;
            if (!sameAsRegion) {
                String title = regionIntact
                        ? "decision log chain broken at sequence " + seq + " (" + evidence.get("kind") + ") although the region's verify reports it intact"
                        : "decision log chain broken at sequence " + seq + " (" + evidence.get("kind") + "), verified by the audit";
                findings.add(Findings.Check.CHAIN, Findings.VIOLATION, region, title, evidence, Controls.CHAIN);
                problems.add("the audit finds a break at sequence " + seq);
            }
        } else if (!regionIntact) {
            // the records check out here, but the region says they do not: a region's own verification is evidence too
            problems.add("the records read verify intact here");
        }
        // the verify answer's head must be the head the pages name (or later: the log may have grown meanwhile)
        ChainHead verifiedHead = headOrNull(verify.path("head"));
        if (verifiedHead != null && head != null && verifiedHead.sequence() == head.sequence() && !verifiedHead.hash().equals(head.hash())) {
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("sequence", head.sequence());
            evidence.put("verifyHeadHash", verifiedHead.hash());
            evidence.put("pageHeadHash", head.hash());
            findings.add(Findings.Check.CHAIN, Findings.VIOLATION, region,
                    "the region names two different heads at sequence " + head.sequence(), evidence, Controls.CHAIN);
            problems.add("two different heads");
        }
        String status = problems.isEmpty() ? CheckRow.PASS : CheckRow.FAIL;
        String summary = problems.isEmpty()
                ? checked + " records verified by the audit up to head " + expected.sequence() + "; the region's verify agrees"
                : checked + " records read; " + String.join("; ", problems);
        return new Result(region, List.copyOf(decisions), new CheckRow(Findings.Check.CHAIN, region, status, checked, summary), true);
    }

    private record Unreadable(long sequence, String reason) {
    }

    private static ChainHead head(JsonNode node) {
        return new ChainHead(node.path("sequence").asLong(0), node.path("hash").asText(""));
    }

    private static ChainHead headOrNull(JsonNode node) {
        try {
            return node.isMissingNode() ? null : head(node);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * A record as the region serves it (region-node's {@code recordJson}).
     *
     * @throws IllegalArgumentException or another RuntimeException when a field is missing or malformed
     */
    static DecisionRecord record(JsonNode j) {
        List<DataCategory> categories = new ArrayList<>();
        j.path("categories").forEach(c -> categories.add(DataCategory.valueOf(c.asText())));
        List<String> rules = new ArrayList<>();
        j.path("rules").forEach(r -> rules.add(r.asText()));
        SortedMap<String, Integer> suppressed = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = j.path("suppressedCounts").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            suppressed.put(e.getKey(), e.getValue().asInt());
        }
        JsonNode destinationRegion = j.get("destinationRegion");
        JsonNode payloadHash = j.get("payloadHash");
        return new DecisionRecord(required(j, "formatVersion").asInt(), required(j, "sequence").asLong(),
                UUID.fromString(required(j, "decisionId").asText()), Instant.parse(required(j, "time").asText()),
                required(j, "requester").asText(), required(j, "tenant").asText(), RegionId.of(required(j, "sourceRegion").asText()),
                Jurisdiction.of(required(j, "destinationJurisdiction").asText()),
                destinationRegion == null || destinationRegion.isNull() ? Optional.empty() : Optional.of(RegionId.of(destinationRegion.asText())),
                categories, required(j, "policyRevision").asText(), required(j, "tenantPolicy").asText(),
                Outcome.valueOf(required(j, "outcome").asText()), rules, suppressed, required(j, "releasedCells").asInt(),
                payloadHash == null || payloadHash.isNull() ? Optional.empty() : Optional.of(payloadHash.asText()),
                required(j, "previousHash").asText(), required(j, "hash").asText());
    }

    private static JsonNode required(JsonNode j, String field) {
        JsonNode v = j.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("decision record field " + field + " must be present");
        }
        return v;
    }

    private static LoggedDecision compact(String region, DecisionRecord r) {
        long suppressed = r.suppressedCounts().values().stream().mapToLong(Integer::longValue).sum();
        return new LoggedDecision(region, r.sequence(), r.decisionId(), r.time(), r.requester(), r.tenantId(),
                r.categories().get(0).name(), r.outcome().name(), r.destinationJurisdiction().code(),
                r.destinationRegion().map(RegionId::value).orElse(null), r.releasedCells(), suppressed, r.payloadHash().orElse(null));
    }
}
