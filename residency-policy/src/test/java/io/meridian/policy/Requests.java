package io.meridian.policy;

import static io.meridian.policy.model.TestRules.RULES;

import io.meridian.policy.TransferRequest.Cell;
import io.meridian.policy.model.DataCategory;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.RegionId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/** Request and engine fixtures shared by the tests of this package. */
final class Requests {

    static final String TENANT = "acme";
    static final Instant NOW = Instant.parse("2026-11-23T10:15:30.123Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final ResidencyPolicy ENGINE = ResidencyPolicy.of(RULES, CLOCK);

    private Requests() {
    }

    static TransferRequest toRegion(DataCategory category, RegionId source, Jurisdiction jurisdiction, RegionId region) {
        return TransferRequest.builder().source(source).destination(jurisdiction, region)
                .requester("svc-exporter").tenant(TENANT).category(category).build();
    }

    static TransferRequest toJurisdiction(DataCategory category, RegionId source, Jurisdiction jurisdiction) {
        return TransferRequest.builder().source(source).destination(jurisdiction)
                .requester("svc-exporter").tenant(TENANT).category(category).build();
    }

    static TransferRequest aggregate(RegionId source, Jurisdiction jurisdiction, Cell... cells) {
        return TransferRequest.builder().source(source).destination(jurisdiction)
                .requester("svc-exporter").tenant(TENANT).category(DataCategory.AGGREGATE).cells(List.of(cells)).build();
    }

    /** A cell that passes the default limits: 50 devices, one hour, label site=berlin. */
    static Cell goodCell(String key) {
        return Cell.of(key, 50, Duration.ofHours(1), Map.of("site", "berlin"));
    }
}
