package io.meridian.gateway.routes.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.gateway.ledger.LedgerEntry;
import io.meridian.gateway.ledger.LedgerVerification;
import io.meridian.gateway.ledger.TransferRecord;

/** The JSON of ledger entries and verifications, as the audit endpoints serve them. */
public final class LedgerJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private LedgerJson() {
    }

    /** One entry: its place in the chain, every field of its record, and both hashes. */
    public static ObjectNode entry(LedgerEntry e) {
        TransferRecord r = e.record();
        ObjectNode o = JSON.createObjectNode();
        o.put("sequence", e.sequence());
        o.put("kind", r.kind().name());
        o.put("tenant", r.tenant());
        o.put("sourceRegion", r.sourceRegion().value());
        o.put("sourceJurisdiction", r.sourceJurisdiction().code());
        o.put("destination", r.destination().code());
        o.put("sourceDecisionId", r.sourceDecisionId().toString());
        o.put("sourceDecisionSequence", r.sourceDecisionSequence());
        o.put("payloadHash", r.payloadHash());
        o.put("cells", r.cells());
        o.put("bytes", r.bytes());
        o.put("at", r.at().toString());
        r.exportId().ifPresent(id -> o.put("exportId", id.toString()));
        r.sink().ifPresent(s -> o.put("sink", s));
        o.put("previousHash", e.previousHash());
        o.put("hash", e.hash());
        return o;
    }

    /** {@code intact}, {@code entriesChecked}, {@code lastGood} and, on a break, {@code firstBreak}. */
    public static ObjectNode verification(LedgerVerification v) {
        ObjectNode o = JSON.createObjectNode();
        o.put("intact", v.intact());
        o.put("entriesChecked", v.entriesChecked());
        o.put("lastGood", v.lastGood());
        v.firstBreak().ifPresent(b -> o.putObject("firstBreak").put("sequence", b.sequence()).put("kind", b.kind()).put("detail", b.detail()));
        return o;
    }
}
