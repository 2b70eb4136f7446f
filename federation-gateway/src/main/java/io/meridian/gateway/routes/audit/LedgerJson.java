package io.meridian.gateway.routes.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.gateway.ledger.LedgerEntry;
import io.meridian.gateway.ledger.LedgerVerification;
import io.meridian.gateway.ledger.TransferRecord;

/** The JSON of ledger entries and verifications, as the audit endpoints serve them. */
public final class LedgerJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private LedgerJson() {
    }

    /** One entry: its chain and place in it, every field of its record, and both hashes. */
    public static ObjectNode entry(LedgerEntry e) {
        TransferRecord r = e.record();
        ObjectNode o = JSON.createObjectNode();
        o.put("chain", e.chain());
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

    /**
     * {@code intact}, {@code entriesChecked}, {@code lastGood} and, on a break, {@code firstBreak} (with its chain), then
     * {@code chains}: each chain's own result in the ledger's order.
     */
    public static ObjectNode verification(LedgerVerification v) {
        ObjectNode o = JSON.createObjectNode();
        o.put("intact", v.intact());
        o.put("entriesChecked", v.entriesChecked());
        o.put("lastGood", v.lastGood());
        v.firstBreak().ifPresent(b -> breakJson(o.putObject("firstBreak"), b));
        ArrayNode chains = o.putArray("chains");
        for (LedgerVerification.Chain c : v.chains()) {
            ObjectNode n = chains.addObject().put("chain", c.chain()).put("intact", c.intact()).put("entriesChecked", c.entriesChecked())
                    .put("lastGood", c.lastGood());
            c.firstBreak().ifPresent(b -> breakJson(n.putObject("firstBreak"), b));
        }
        return o;
    }

    private static void breakJson(ObjectNode o, LedgerVerification.Break b) {
        o.put("chain", b.chain()).put("sequence", b.sequence()).put("kind", b.kind()).put("detail", b.detail());
    }
}
