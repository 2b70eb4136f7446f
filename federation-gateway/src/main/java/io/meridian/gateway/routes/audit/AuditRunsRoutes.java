package io.meridian.gateway.routes.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.audit.AuditReport;
import io.meridian.audit.AuditScope;
import io.meridian.audit.HtmlReport;
import io.meridian.auth.TokenValidator;
import io.meridian.gateway.audit.AuditRun;
import io.meridian.gateway.audit.AuditRunner;
import io.meridian.gateway.auth.Authenticate;
import io.meridian.gateway.auth.Caller;
import io.meridian.gateway.problem.GatewayProblem;
import io.meridian.gateway.problem.Responses;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;

/**
 * Residency audits run by the gateway, role {@value AuditRoutes#ROLE} only:
 * <ul>
 *   <li>{@code POST /v1/audit/runs} (body optional: {@code regions}, {@code from}, {@code to}): 202 with the run id, status
 *       RUNNING, its progress and {@code Location}; 409 while another run of this gateway is under way;</li>
 *   <li>{@code GET /v1/audit/runs?limit}: past runs with their verdicts, newest first;</li>
 *   <li>{@code GET /v1/audit/runs/{id}}: status, progress, and the report when done;</li>
 *   <li>{@code GET /v1/audit/runs/{id}/report.html}: the report for people.</li>
 * </ul>
 */
public final class AuditRunsRoutes extends RouteBuilder {

    public static final int MAX_BODY = 16 * 1024;
    public static final int DEFAULT_LIST = 20;
    public static final int MAX_LIST = 200;
    private static final String RUNS_PATH = "/v1/audit/runs";
    private static final Set<String> FIELDS = Set.of("regions", "from", "to");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TokenValidator tokens;
    private final AuditRunner runner;

    public AuditRunsRoutes(TokenValidator tokens, AuditRunner runner) {
        this.tokens = Objects.requireNonNull(tokens, "tokens must not be null");
        this.runner = Objects.requireNonNull(runner, "runner must not be null");
    }

    @Override
    public void configure() {
        rest("/v1")
                .post("/audit/runs").produces("application/json").to("direct:audit-runs-start")
                .get("/audit/runs").produces("application/json").to("direct:audit-runs-list")
                .get("/audit/runs/{id}").produces("application/json").to("direct:audit-runs-get")
                .get("/audit/runs/{id}/report.html").produces("text/html").to("direct:audit-runs-html");

        from("direct:audit-runs-start").routeId("audit-runs-start")
                .process(Authenticate.withAnyRole(tokens, AuditRoutes.ROLE))
                .process(this::start);
        from("direct:audit-runs-list").routeId("audit-runs-list")
                .process(Authenticate.withAnyRole(tokens, AuditRoutes.ROLE))
                .process(this::list);
        from("direct:audit-runs-get").routeId("audit-runs-get")
                .process(Authenticate.withAnyRole(tokens, AuditRoutes.ROLE))
                .process(this::get);
        from("direct:audit-runs-html").routeId("audit-runs-html")
                .process(Authenticate.withAnyRole(tokens, AuditRoutes.ROLE))
                .process(this::html);
    }

    private void start(Exchange exchange) {
        AuditScope scope = scope(exchange.getMessage().getBody(byte[].class));
        Caller caller = exchange.getProperty(Caller.PROPERTY, Caller.class);
        AuditRun run;
        try {
            run = runner.start(scope, caller.subject());
        } catch (AuditRunner.Busy e) {
            throw GatewayProblem.of(409, "audit run " + e.running() + " is still running on this gateway; one run at a time")
                    .withHeader("Location", RUNS_PATH + "/" + e.running());
        }
        ObjectNode body = summary(run);
        Responses.json(exchange, body.toString());
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 202);
        exchange.getMessage().setHeader("Location", RUNS_PATH + "/" + run.id());
    }

    private void list(Exchange exchange) {
        Map<String, String> query = AuditRoutes.query(exchange);
        for (String name : query.keySet()) {
            if (!name.equals("limit")) {
                throw GatewayProblem.of(400, "query parameter " + name + " is not known; only limit is");
            }
        }
        int limit = (int) AuditRoutes.number(query, "limit", DEFAULT_LIST, 1, MAX_LIST);
        ObjectNode body = JSON.createObjectNode();
        ArrayNode list = body.putArray("runs");
        try {
            runner.list(limit).forEach(r -> list.add(summary(r)));
        } catch (RuntimeException e) {
            throw GatewayProblem.unavailable("the audit runs cannot be read now", 5, e);
        }
        Responses.json(exchange, body.toString());
    }

    private void get(Exchange exchange) {
        AuditRun run = run(exchange, false);
        ObjectNode body = summary(run);
        if (run.report().isPresent()) {
            try {
                body.set("report", JSON.readTree(run.report().get()));
            } catch (IOException e) {
                throw GatewayProblem.of(500, "the stored report of audit run " + run.id() + " cannot be read");
            }
        }
        Responses.json(exchange, body.toString());
    }

    private void html(Exchange exchange) {
        AuditRun run = run(exchange, true);
        if (run.report().isEmpty()) {
            throw GatewayProblem.of(409, "audit run " + run.id() + " is " + run.status() + " and has no report"
                    + (run.status().equals(AuditRun.RUNNING) ? " yet" : ""));
        }
        String page;
        try {
            page = HtmlReport.render(AuditReport.fromJson(run.report().get()));
        } catch (IllegalArgumentException e) {
            throw GatewayProblem.of(500, "the stored report of audit run " + run.id() + " cannot be read");
        }
        Responses.clearHeaders(exchange.getMessage());
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/html; charset=utf-8");
        // the page is self-contained: it needs no script, style sheet or image from anywhere
        exchange.getMessage().setHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
        exchange.getMessage().setBody(page);
    }

    /** The run of the path's id; 404 when there is none (an id that is not a UUID names none either). */
    private AuditRun run(Exchange exchange, boolean html) {
        String uri = exchange.getMessage().getHeader(Exchange.HTTP_URI, String.class);
        int q = uri == null ? -1 : uri.indexOf('?');
        String path = uri == null ? "" : q < 0 ? uri : uri.substring(0, q);
        String rest = path.startsWith(RUNS_PATH + "/") ? path.substring(RUNS_PATH.length() + 1) : "";
        if (html && rest.endsWith("/report.html")) {
            rest = rest.substring(0, rest.length() - "/report.html".length());
        }
        String id = URLDecoder.decode(rest, StandardCharsets.UTF_8);
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw GatewayProblem.of(404, "no audit run '" + id + "': a run id is a UUID");
        }
        try {
            return runner.find(uuid).orElseThrow(() -> GatewayProblem.of(404, "no audit run " + uuid + " on this gateway"));
        } catch (GatewayProblem e) {
            throw e;
        } catch (RuntimeException e) {
            throw GatewayProblem.unavailable("the audit runs cannot be read now", 5, e);
        }
    }

    /** The body's scope: every region of the federation by default; 400 naming what is wrong. */
    AuditScope scope(byte[] bytes) {
        List<String> federation = runner.federation();
        if (bytes == null || bytes.length == 0) {
            return new AuditScope(federation, Optional.empty(), Optional.empty());
        }
        if (bytes.length > MAX_BODY) {
            throw GatewayProblem.of(413, "the request body must be at most " + MAX_BODY + " bytes, was " + bytes.length);
        }
        JsonNode body;
        try {
            body = JSON.readTree(bytes);
        } catch (IOException e) {
            throw GatewayProblem.of(400, "the request body is not JSON");
        }
        if (body == null || body.isMissingNode()) {
            return new AuditScope(federation, Optional.empty(), Optional.empty());
        }
        if (!body.isObject()) {
            throw GatewayProblem.of(400, "the request body must be a JSON object with regions, from and to, all optional");
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw GatewayProblem.of(400, "field " + f + " is not known; the body may have regions, from and to");
            }
        }
        List<String> regions = federation;
        JsonNode r = body.get("regions");
        if (r != null && !r.isNull()) {
            if (!r.isArray() || r.isEmpty()) {
                throw GatewayProblem.of(400, "regions must be a non-empty array of region ids of " + federation);
            }
            regions = new ArrayList<>();
            for (JsonNode id : r) {
                if (!id.isTextual() || !federation.contains(id.asText())) {
                    throw GatewayProblem.of(400, "regions must name regions of the federation " + federation + ", had " + id);
                }
                if (regions.contains(id.asText())) {
                    throw GatewayProblem.of(400, "regions must not repeat, had " + id.asText() + " twice");
                }
                regions.add(id.asText());
            }
        }
        Optional<Instant> from = instant(body, "from");
        Optional<Instant> to = instant(body, "to");
        if (from.isPresent() && to.isPresent() && !from.get().isBefore(to.get())) {
            throw GatewayProblem.of(400, "from must be before to, was " + from.get() + " and " + to.get());
        }
        return new AuditScope(regions, from, to);
    }

    private static Optional<Instant> instant(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(v.asText()));
        } catch (DateTimeParseException e) {
            throw GatewayProblem.of(400, field + " must be an ISO-8601 instant such as 2026-11-24T12:00:00Z, was '" + v.asText() + "'");
        }
    }

    /** A run without its report: id, status, progress, scope, times, verdict or error. */
    public static ObjectNode summary(AuditRun run) {
        ObjectNode o = JSON.createObjectNode();
        o.put("runId", run.id().toString());
        o.put("status", run.status());
        o.putObject("progress").put("step", run.step()).put("done", run.done()).put("total", run.total());
        ObjectNode scope = o.putObject("scope");
        ArrayNode regions = scope.putArray("regions");
        run.regions().forEach(regions::add);
        scope.put("from", run.from().map(Instant::toString).orElse(null));
        scope.put("to", run.to().map(Instant::toString).orElse(null));
        o.put("requestedBy", run.requestedBy());
        o.put("startedAt", run.startedAt().toString());
        o.put("finishedAt", run.finishedAt().map(Instant::toString).orElse(null));
        o.put("verdict", run.verdict().orElse(null));
        run.error().ifPresent(e -> o.put("error", e));
        o.putObject("links").put("self", RUNS_PATH + "/" + run.id()).put("html", RUNS_PATH + "/" + run.id() + "/report.html");
        return o;
    }
}
