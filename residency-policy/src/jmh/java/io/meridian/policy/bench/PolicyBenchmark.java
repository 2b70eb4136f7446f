package io.meridian.policy.bench;

import io.meridian.policy.AppendContext;
import io.meridian.policy.Decision;
import io.meridian.policy.DecisionLog;
import io.meridian.policy.DecisionRecord;
import io.meridian.policy.ResidencyPolicy;
import io.meridian.policy.TransferRequest;
import io.meridian.policy.TransferRequest.Cell;
import io.meridian.policy.model.AllocationPolicy;
import io.meridian.policy.model.DataCategory;
import io.meridian.policy.model.ExportPolicy;
import io.meridian.policy.model.TenantResidencyPolicy;
import io.meridian.policy.model.TestRules;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The hot paths of the residency module: a raw decision, a 100-cell aggregate decision and an
 * in-memory log append. Run with the {@code bench} profile; see the module README for the command.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Thread)
public class PolicyBenchmark {

    private ResidencyPolicy engine;
    private TenantResidencyPolicy tenant;
    private TransferRequest rawCrossBorder;
    private TransferRequest aggregate100;
    private Decision template;
    private DecisionLog log;
    private long nextId;
    private final AppendContext released = AppendContext.released("ab".repeat(32));

    @Setup(Level.Trial)
    public void setUp() {
        engine = ResidencyPolicy.of(TestRules.RULES, Clock.systemUTC());
        tenant = TenantResidencyPolicy.of("acme", AllocationPolicy.proximity(),
                ExportPolicy.none().allowingWithSccs(TestRules.US).withAllowedLabels("site", "metric"));
        rawCrossBorder = TransferRequest.builder().source(TestRules.EU_CENTRAL)
                .destination(TestRules.US, TestRules.US_EAST).requester("svc-exporter").tenant("acme")
                .category(DataCategory.TELEMETRY).build();
        List<Cell> cells = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            // one cell in ten covers too few devices, so the decision is a PARTIAL with 90 released cells
            cells.add(Cell.of("site-" + i + "/temperature", i % 10 == 0 ? 4 : 40 + i, Duration.ofHours(1),
                    Map.of("site", "site-" + i, "metric", "temperature")));
        }
        aggregate100 = TransferRequest.builder().source(TestRules.EU_CENTRAL).destination(TestRules.US)
                .requester("svc-exporter").tenant("acme").category(DataCategory.AGGREGATE).cells(cells).build();
        template = engine.decide(aggregate100, tenant);
    }

    /** A fresh log per iteration, so the heap holds at most one iteration's records. */
    @Setup(Level.Iteration)
    public void freshLog() {
        log = DecisionLog.inMemory(TestRules.EU_CENTRAL);
    }

    @Benchmark
    public Decision rawDecision() {
        return engine.decide(rawCrossBorder, tenant);
    }

    @Benchmark
    public Decision aggregateDecision100Cells() {
        return engine.decide(aggregate100, tenant);
    }

    /** Appends one record: builds it from a decision, SHA-256 over its canonical encoding, links it. */
    @Benchmark
    public DecisionRecord logAppend() {
        Decision d = template;
        // the log refuses a decision twice, so each append gets a copy with a new id
        Decision copy = new Decision(new UUID(d.id().getMostSignificantBits(), nextId++), d.time(), d.request(),
                d.outcome(), d.rules(), d.released(), d.suppressed(), d.suppressedCounts(), d.policyRevision(),
                d.tenantPolicyFingerprint(), d.errors());
        return log.append(copy, released);
    }
}
