package io.meridian.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meridian.policy.DecisionRecord;
import io.meridian.policy.Outcome;
import io.meridian.regions.RegionConfigs;
import java.net.URI;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The engine at the volume of the audit benchmark's transfers: 10,000 ledger entries over 3 regions' 15,000 decisions,
 * paged at 1000. Every entry must be matched and every release received or explained; the time is printed for the README,
 * not asserted (the machine is shared).
 */
class AuditEngineVolumeTest {

    static final List<String> REGIONS = List.of("eu-central", "af-south", "us-east");
    static final Map<String, String> JURISDICTION = Map.of("eu-central", "EU", "af-south", "ZA", "us-east", "US");

    @Test
    void tenThousandTransfers_areAllMatched() throws Exception {
        try (StubFederation stub = new StubFederation()) {
            int received = 0;
            for (int i = 0; i < 15_000; i++) {
                String from = REGIONS.get(i % 3);
                String to = REGIONS.get((i + 1) % 3);
                if (i % 3 != 2) {
                    DecisionRecord d = stub.aggregate(from, to, JURISDICTION.get(to), Outcome.ALLOW, 12);
                    stub.receive(to, JURISDICTION.get(to), JURISDICTION.get(from), d, "RECEIVED");
                    received++;
                } else {
                    // a third went to an auditor asking the region directly: explained, never ledgered
                    stub.decide(from, "lampco", io.meridian.policy.model.DataCategory.AGGREGATE, Outcome.ALLOW, JURISDICTION.get(to), null,
                            "user:auditor", 12, Map.of(), StubFederation.T0.plusMillis(i));
                }
            }
            assertEquals(10_000, received);
            Map<String, URI> apis = new LinkedHashMap<>();
            Map<String, URI> gateways = new LinkedHashMap<>();
            for (String r : REGIONS) {
                stub.cleanStorage(r);
                stub.cleanReleases(r);
                apis.put(r, stub.dataApi(r));
                gateways.put(r, stub.gateway(r));
            }
            AuditTargets targets = AuditTargets.of(RegionConfigs.loadDefault(), apis, gateways, Optional.empty(), "none");
            long t0 = System.nanoTime();
            AuditReport r = new AuditEngine(targets, BearerToken.fixed("t"), AuditEngine.httpClient(), Clock.systemUTC())
                    .run(new AuditScope(REGIONS, Optional.empty(), Optional.empty()), AuditProgress.NONE);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("audit of 15000 decisions and 10000 ledger entries over 3 stub regions: " + ms + " ms");
            assertEquals(List.of(), r.findings());
            assertEquals("PASS", r.verdict());
            assertEquals(15_000, r.ledger().releases());
            assertEquals(10_000, r.ledger().entries());
            assertEquals(10_000, r.ledger().matched());
            assertEquals(10_000, r.ledger().received());
            assertEquals(Map.of("DIRECT_CALLER", 5_000L), r.ledger().explained());
        }
    }
}
