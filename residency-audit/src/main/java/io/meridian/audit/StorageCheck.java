package io.meridian.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Checks 1 ("storage holds only home data") and 5 ("Cassandra stays in-region") from a region's
 * {@code GET /v1/audit/storage}, which walks the region's own stores inside the region and answers with counts, keys and
 * hashed device references only.
 */
final class StorageCheck {

    private static final Pattern DEVICE_REF = Pattern.compile("[0-9a-f]{16}");

    private StorageCheck() {
    }

    /** Both rows; each is ERROR with the same reason when the region cannot answer. */
    static List<CheckRow> run(AuditHttp http, String region, URI dataApi, Duration timeout, Findings findings) throws InterruptedException {
        JsonNode answer;
        try {
            answer = http.get(URI.create(dataApi + "/audit/storage"), "region " + region, timeout);
        } catch (AuditHttp.CallFailed e) {
            return List.of(CheckRow.error(Findings.Check.STORAGE, region, e.getMessage()),
                    CheckRow.error(Findings.Check.KEYSPACES, region, e.getMessage()));
        }
        if (!region.equals(answer.path("region").asText())) {
            String reason = "region " + region + " answered the storage check for region '" + answer.path("region").asText() + "'";
            return List.of(CheckRow.error(Findings.Check.STORAGE, region, reason), CheckRow.error(Findings.Check.KEYSPACES, region, reason));
        }
        return List.of(storage(region, answer, findings), keyspaces(region, answer, findings));
    }

    static CheckRow storage(String region, JsonNode answer, Findings findings) {
        long checked = 0;
        long devices = 0;
        List<String> units = new ArrayList<>();
        for (JsonNode s : answer.path("sources")) {
            checked += s.path("checked").asLong();
            devices = Math.max(devices, s.path("devices").asLong());
            units.add(s.path("checked").asLong() + " " + s.path("unit").asText("items") + " of " + s.path("source").asText());
        }
        if (units.isEmpty()) {
            return CheckRow.error(Findings.Check.STORAGE, region, "region " + region + " named no storage sources it checked");
        }
        int found = 0;
        for (JsonNode f : answer.path("findings")) {
            found++;
            String assigned = f.path("assignedRegion").isTextual() ? f.path("assignedRegion").asText() : null;
            String ref = f.path("deviceRef").asText("");
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("source", f.path("source").asText());
            evidence.put("tenant", f.path("tenant").asText());
            // the contract's reference is 16 hex characters; anything else might be a raw id and is not repeated
            evidence.put("deviceRef", DEVICE_REF.matcher(ref).matches() ? ref : "(withheld: not a 16-hex device reference)");
            evidence.put("assignedRegion", assigned);
            evidence.put("count", f.path("count").asLong());
            if (f.hasNonNull("evidence")) {
                evidence.put("keys", f.path("evidence").asText());
            }
            if (assigned == null) {
                findings.add(Findings.Check.STORAGE, Findings.VIOLATION, region, region + " stores " + f.path("source").asText()
                        + " data of a device the catalog does not know", evidence, Controls.UNKNOWN_DEVICE);
            } else {
                findings.add(Findings.Check.STORAGE, Findings.VIOLATION, region, region + " stores " + f.path("source").asText()
                        + " data of a device assigned to " + assigned, evidence, Controls.STORAGE);
            }
        }
        String summary = String.join(", ", units) + (found == 0 ? "; every device is assigned here"
                : "; " + found + " (source, device) pairs belong elsewhere or to no known device");
        return new CheckRow(Findings.Check.STORAGE, region, found == 0 ? CheckRow.PASS : CheckRow.FAIL, checked, summary);
    }

    static CheckRow keyspaces(String region, JsonNode answer, Findings findings) {
        JsonNode keyspaces = answer.path("keyspaces");
        if (!keyspaces.isArray() || keyspaces.isEmpty()) {
            return CheckRow.error(Findings.Check.KEYSPACES, region, "region " + region + " named none of its keyspaces");
        }
        int outside = 0;
        TreeSet<String> dcs = new TreeSet<>();
        for (JsonNode k : keyspaces) {
            k.path("dataCenters").forEach(dc -> dcs.add(dc.asText()));
            if (k.path("inRegion").asBoolean(false)) {
                continue;
            }
            outside++;
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("keyspace", k.path("keyspace").asText());
            evidence.put("role", k.path("role").asText());
            evidence.put("replicationClass", k.path("replication").path("class").asText());
            List<String> kdcs = new ArrayList<>();
            k.path("dataCenters").forEach(dc -> kdcs.add(dc.asText()));
            evidence.put("dataCenters", kdcs);
            evidence.put("reason", k.path("reason").asText());
            findings.add(Findings.Check.KEYSPACES, Findings.VIOLATION, region, "keyspace " + k.path("keyspace").asText() + " of " + region
                    + " replicates outside the region", evidence, Controls.KEYSPACE);
        }
        List<String> others = new ArrayList<>();
        answer.path("otherKeyspaces").forEach(o -> others.add(o.asText()));
        String summary = keyspaces.size() + " keyspaces, data centres " + dcs + (outside == 0 ? ", all in-region" : ", " + outside + " replicate outside")
                + (others.isEmpty() ? "" : "; listed, not judged: " + others);
        return new CheckRow(Findings.Check.KEYSPACES, region, outside == 0 ? CheckRow.PASS : CheckRow.FAIL, keyspaces.size(), summary);
    }
}
