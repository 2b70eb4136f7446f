package io.meridian.gateway.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.auth.TokenValidator;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.gateway.auth.Authenticate;
import io.meridian.gateway.auth.Caller;
import io.meridian.gateway.ledger.TransferLedger;
import io.meridian.gateway.problem.GatewayProblem;
import io.meridian.gateway.problem.Responses;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.builder.RouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports of a tenant's permitted aggregates, for the tenant's {@value #ROLE} only:
 * <ul>
 *   <li>{@code POST /v1/tenants/{tenant}/exports}: runs one export now (201 with the export id, where it landed and the
 *       ledger entries; a sink failure is a 502 naming the sink, with nothing recorded as exported);</li>
 *   <li>{@code PUT|DELETE /v1/tenants/{tenant}/export-schedules/{id}}, {@code GET /v1/tenants/{tenant}/export-schedules}:
 *       schedules, run by a timer route every {@code checkEvery} through {@link ExportScheduler}.</li>
 * </ul>
 * Without {@link ExportBackends} (a gateway started without a federated query), the routes authenticate and then answer
 * 503, and no timer runs.
 */
public final class ExportRoutes extends RouteBuilder {

    /** The only role that may export a tenant's data. */
    public static final String ROLE = "customer-admin";
    /** The largest request body taken. */
    public static final int MAX_BODY = 16 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(ExportRoutes.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SCHEDULE_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

    private final GatewayConfig config;
    private final TokenValidator tokens;
    private final TransferLedger ledger;
    private final Optional<ExportBackends> backends;
    private final Clock clock;
    private Exporter exporter;
    private ExportScheduler scheduler;

    public ExportRoutes(GatewayConfig config, TokenValidator tokens, TransferLedger ledger, Optional<ExportBackends> backends, Clock clock) {
        this.config = Objects.requireNonNull(config, "config must not be null");
        this.tokens = Objects.requireNonNull(tokens, "tokens must not be null");
        this.ledger = Objects.requireNonNull(ledger, "ledger must not be null");
        this.backends = Objects.requireNonNull(backends, "backends must not be null");
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
    }

    /** The scheduler of this gateway, for tests that drive its clock; empty without backends. */
    public Optional<ExportScheduler> scheduler() {
        return Optional.ofNullable(scheduler);
    }

    @Override
    public void configure() {
        if (backends.isPresent()) {
            exporter = new Exporter(config, backends.get().aggregates(), new ExportSinks(config.export(), getContext()), ledger, clock);
            scheduler = new ExportScheduler(backends.get().schedules(), exporter, "gateway-" + config.region().value() + "-" + UUID.randomUUID());
        }
        rest("/v1")
                .post("/tenants/{tenant}/exports").produces("application/json").to("direct:export-now")
                .get("/tenants/{tenant}/export-schedules").produces("application/json").to("direct:export-schedules")
                .put("/tenants/{tenant}/export-schedules/{id}").produces("application/json")
                .to("direct:export-schedule-put")
                .delete("/tenants/{tenant}/export-schedules/{id}").to("direct:export-schedule-delete");

        from("direct:export-now").routeId("export-now")
                .process(Authenticate.tenantMember(tokens, ROLE))
                .process(this::exportNow);
        from("direct:export-schedules").routeId("export-schedules")
                .process(Authenticate.tenantMember(tokens, ROLE))
                .process(this::listSchedules);
        from("direct:export-schedule-put").routeId("export-schedule-put")
                .process(Authenticate.tenantMember(tokens, ROLE))
                .process(this::putSchedule);
        from("direct:export-schedule-delete").routeId("export-schedule-delete")
                .process(Authenticate.tenantMember(tokens, ROLE))
                .process(this::deleteSchedule);

        if (scheduler != null) {
            long period = config.export().checkEvery().toMillis();
            from("timer:export-schedules?period=" + period + "&delay=" + period).routeId("export-scheduler")
                    .process(e -> runDue());
        }
    }

    private void runDue() {
        try {
            for (ExportScheduler.Run run : scheduler.runDue(clock.instant())) {
                LOG.info("scheduled export {} of tenant {} for the period before {}: {} ({})", run.schedule().id(), run.schedule().tenant(),
                        run.periodStart(), run.exported() ? "exported" : "failed", run.detail());
            }
        } catch (RuntimeException e) {
            // the store is down: the next check tries again; a period's run is claimed only once it can start
            LOG.warn("export schedules could not be checked: {}", e.toString());
        }
    }

    private ExportBackends backends() {
        return backends.orElseThrow(() -> GatewayProblem.unavailable("export is not available in this gateway: it was started without a"
                + " federated query and a schedule store", 30, null));
    }

    private void exportNow(Exchange exchange) {
        backends();
        String tenant = tenant(exchange);
        ExportRequest request = parse(body(exchange), Set.of());
        UUID exportId = UUID.randomUUID();
        Exporter.Outcome o;
        try {
            o = exporter.run(tenant, request, exportId);
        } catch (ExportSinks.SinkException e) {
            String detail = "export " + exportId + " failed on its " + e.sink() + " sink, nothing was recorded as exported: " + e.getMessage();
            // the SDK's full error, with request ids, is for the log only
            LOG.warn("{} (cause: {})", detail, String.valueOf(e.getCause()));
            throw GatewayProblem.of(502, detail);
        } catch (IllegalArgumentException e) {
            throw GatewayProblem.of(400, e.getMessage());
        } catch (Exporter.NotRecordedException e) {
            LOG.error(e.getMessage(), e);
            throw GatewayProblem.of(500, e.getMessage());
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("exportId", o.exportId().toString());
        o.s3().ifPresent(s -> body.putObject("s3").put("bucket", s.bucket()).put("key", s.key()).put("etag", s.etag()));
        o.kinesis().ifPresent(k -> body.putObject("kinesis").put("stream", k.stream()).put("shardId", k.shardId())
                .put("sequenceNumber", k.sequenceNumber()));
        ArrayNode seqs = body.putArray("ledgerSequences");
        o.ledgerSequences().forEach(seqs::add);
        body.put("partial", o.result().partial());
        ArrayNode unavailable = body.putArray("unavailableRegions");
        o.result().unavailableRegions().forEach(r -> unavailable.add(r.value()));
        Responses.json(exchange, body.toString());
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 201);
    }

    private void listSchedules(Exchange exchange) {
        ExportBackends b = backends();
        String tenant = tenant(exchange);
        List<ExportSchedules.Schedule> list = b.schedules().list(tenant).stream()
                .sorted(Comparator.comparing(ExportSchedules.Schedule::id)).toList();
        ObjectNode body = JSON.createObjectNode();
        ArrayNode items = body.putArray("schedules");
        list.forEach(s -> items.add(json(s)));
        Responses.json(exchange, body.toString());
    }

    private void putSchedule(Exchange exchange) {
        ExportBackends b = backends();
        String tenant = tenant(exchange);
        String id = scheduleId(exchange);
        JsonNode body = body(exchange);
        ExportRequest request = parse(body, Set.of("every"));
        if (request.query().from().isPresent() || request.query().to().isPresent()) {
            throw GatewayProblem.of(400, "a schedule's query takes no from or to: each run exports the last 'every'");
        }
        java.time.Duration every;
        try {
            every = ExportRequest.every(body, config.export().minEvery());
        } catch (IllegalArgumentException e) {
            throw GatewayProblem.of(400, e.getMessage());
        }
        ExportSchedules.Schedule s = new ExportSchedules.Schedule(tenant, id, request, every, clock.instant());
        boolean created = b.schedules().put(s);
        Responses.json(exchange, json(s).toString());
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, created ? 201 : 200);
    }

    private void deleteSchedule(Exchange exchange) {
        ExportBackends b = backends();
        String tenant = tenant(exchange);
        String id = scheduleId(exchange);
        if (!b.schedules().delete(tenant, id)) {
            throw GatewayProblem.of(404, "tenant " + tenant + " has no export schedule '" + id + "'");
        }
        Message m = exchange.getMessage();
        Responses.clearHeaders(m);
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, 204);
        m.setBody(null);
    }

    private static ObjectNode json(ExportSchedules.Schedule s) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", s.id());
        o.put("every", s.every().toString());
        o.setAll(s.request().toJson());
        o.put("updated", s.updated().toString());
        return o;
    }

    private static ExportRequest parse(JsonNode body, Set<String> extra) {
        try {
            return ExportRequest.parse(body, extra);
        } catch (IllegalArgumentException e) {
            throw GatewayProblem.of(400, e.getMessage());
        }
    }

    /** The caller's tenant, which {@link Authenticate} checked is the path's. */
    private static String tenant(Exchange exchange) {
        return exchange.getProperty(Caller.PROPERTY, Caller.class).tenant().orElseThrow();
    }

    /** The schedule id: the last path segment, read from the path itself. */
    private static String scheduleId(Exchange exchange) {
        String uri = exchange.getMessage().getHeader(Exchange.HTTP_URI, String.class);
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        String id = URLDecoder.decode(path.substring(path.lastIndexOf('/') + 1), StandardCharsets.UTF_8);
        if (!SCHEDULE_ID.matcher(id).matches()) {
            throw GatewayProblem.of(400, "a schedule id must be 1-64 lower-case letters, digits and '-', starting with a letter or digit, was '"
                    + id + "'");
        }
        return id;
    }

    private static JsonNode body(Exchange exchange) {
        byte[] bytes = exchange.getMessage().getBody(byte[].class);
        if (bytes == null || bytes.length == 0) {
            throw GatewayProblem.of(400, "the request needs a JSON body with query and sinks");
        }
        if (bytes.length > MAX_BODY) {
            throw GatewayProblem.of(413, "the request body must be at most " + MAX_BODY + " bytes, was " + bytes.length);
        }
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw GatewayProblem.of(400, "the request body is not JSON");
        }
    }
}
