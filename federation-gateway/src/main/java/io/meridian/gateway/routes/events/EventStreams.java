package io.meridian.gateway.routes.events;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.gateway.auth.Authenticate;
import io.meridian.gateway.auth.Caller;
import io.meridian.gateway.console.FederationStatus;
import io.meridian.gateway.console.Scope;
import io.meridian.gateway.console.Transfers;
import io.meridian.gateway.problem.GatewayProblem;
import io.meridian.gateway.problem.ProblemJson;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/events}: the console's live feed as server-sent events ({@code text/event-stream}).
 *
 * <p>Camel's REST DSL answers an exchange once, so a stream cannot be one of its routes; this is a Vert.x route on the
 * platform-http router (the same server and port), with the same {@link Authenticate} checks as the REST routes. Events:
 * {@code status} every {@link #STATUS_EVERY} ({@link FederationStatus} for the caller's scope), {@code transfers} every
 * {@link #TRANSFERS_EVERY} (the last hour's arcs), {@code audit-run} for a compliance officer when a run changed, and a
 * {@code : keepalive} comment every {@link #KEEPALIVE_EVERY}. At the token's expiry a {@code token-expired} event is sent
 * and the stream ends; the console reconnects with a new token.
 *
 * <p>Each stream owns its timers and cancels them when the client goes away (the response's close or exception
 * handler) or the stream ends, whichever comes first. A subject may hold {@link #MAX_PER_SUBJECT} streams (429 beyond),
 * the gateway {@link #MAX_STREAMS} (503 beyond). A tick whose previous computation is still running is skipped, so a
 * slow region never piles up work.
 */
public final class EventStreams {

    public static final String PATH = "/v1/events";
    public static final int MAX_PER_SUBJECT = 8;
    public static final int MAX_STREAMS = 256;
    public static final Duration STATUS_EVERY = Duration.ofSeconds(2);
    public static final Duration TRANSFERS_EVERY = Duration.ofSeconds(5);
    public static final Duration KEEPALIVE_EVERY = Duration.ofSeconds(15);
    private static final Logger LOG = LoggerFactory.getLogger(EventStreams.class);

    private final Authenticate auth;
    private final FederationStatus status;
    private final Transfers transfers;
    private final Supplier<List<ObjectNode>> auditRuns;
    private final Clock clock;
    private final ConcurrentHashMap<String, AtomicInteger> perSubject = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();

    /**
     * @param auditRuns the newest audit runs' summaries, as {@code GET /v1/audit/runs} lists them
     */
    public EventStreams(Authenticate auth, FederationStatus status, Transfers transfers, Supplier<List<ObjectNode>> auditRuns, Clock clock) {
        this.auth = Objects.requireNonNull(auth, "auth must not be null");
        this.status = Objects.requireNonNull(status, "status must not be null");
        this.transfers = Objects.requireNonNull(transfers, "transfers must not be null");
        this.auditRuns = Objects.requireNonNull(auditRuns, "auditRuns must not be null");
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
    }

    /** Adds the route to the platform-http router. */
    public void install(Router router, Vertx vertx) {
        router.get(PATH).handler(ctx -> {
            String header = ctx.request().getHeader("Authorization");
            vertx.executeBlocking(() -> auth.check(header), false).onComplete(checked -> {
                if (checked.failed()) {
                    problem(ctx, checked.cause());
                } else {
                    open(ctx, vertx, checked.result());
                }
            });
        });
    }

    /** Streams open now, for tests that check none is left behind. */
    public int open() {
        return open.get();
    }

    private void open(RoutingContext ctx, Vertx vertx, Authenticate.Checked checked) {
        if (ctx.response().closed()) {
            return;
        }
        Caller caller = checked.caller();
        Optional<String> scope;
        try {
            scope = Scope.of(caller);
        } catch (GatewayProblem p) {
            problem(ctx, p);
            return;
        }
        AtomicInteger mine = perSubject.computeIfAbsent(caller.subject(), s -> new AtomicInteger());
        if (mine.incrementAndGet() > MAX_PER_SUBJECT) {
            release(caller.subject(), mine);
            problem(ctx, GatewayProblem.of(429, "at most " + MAX_PER_SUBJECT + " event streams may be open per user; close one first")
                    .withHeader("Retry-After", "5"));
            return;
        }
        if (open.incrementAndGet() > MAX_STREAMS) {
            open.decrementAndGet();
            release(caller.subject(), mine);
            problem(ctx, GatewayProblem.unavailable("the gateway serves " + MAX_STREAMS + " event streams already", 5, null));
            return;
        }
        boolean audits = scope.isEmpty() && caller.roles().contains(Scope.COMPLIANCE_OFFICER);
        new Stream(ctx.response(), vertx, caller.subject(), mine, scope, audits, checked.expires()).start();
    }

    private void release(String subject, AtomicInteger count) {
        if (count.decrementAndGet() <= 0) {
            perSubject.remove(subject, count);
        }
    }

    private static void problem(RoutingContext ctx, Throwable failure) {
        GatewayProblem p = failure instanceof GatewayProblem g ? g : GatewayProblem.of(500, "the event stream could not be opened");
        if (!(failure instanceof GatewayProblem)) {
            LOG.error("event stream failed to open", failure);
        }
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        p.headers().forEach(ctx.response()::putHeader);
        ctx.response().setStatusCode(p.status()).putHeader("Content-Type", ProblemJson.MEDIA_TYPE).end(ProblemJson.render(p, ctx.request().path()));
    }

    /** One open stream and its timers. */
    private final class Stream {
        private final HttpServerResponse response;
        private final Vertx vertx;
        private final String subject;
        private final AtomicInteger subjectCount;
        private final Optional<String> scope;
        private final boolean audits;
        private final Optional<Instant> expires;
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final AtomicBoolean statusBusy = new AtomicBoolean();
        private final AtomicBoolean transfersBusy = new AtomicBoolean();
        private final Map<String, String> runsSeen = new HashMap<>();
        private boolean runsKnown;
        private long statusTimer = -1;
        private long transfersTimer = -1;
        private long keepaliveTimer = -1;
        private long expiryTimer = -1;

        Stream(HttpServerResponse response, Vertx vertx, String subject, AtomicInteger subjectCount, Optional<String> scope, boolean audits,
                Optional<Instant> expires) {
            this.response = response;
            this.vertx = vertx;
            this.subject = subject;
            this.subjectCount = subjectCount;
            this.scope = scope;
            this.audits = audits;
            this.expires = expires;
        }

        void start() {
            response.setChunked(true).setStatusCode(200).putHeader("Content-Type", "text/event-stream; charset=utf-8")
                    .putHeader("Cache-Control", "no-cache").putHeader("X-Accel-Buffering", "no");
            response.closeHandler(v -> stop());
            response.exceptionHandler(e -> stop());
            response.write("retry: 5000\n\n");
            statusTimer = vertx.setPeriodic(STATUS_EVERY.toMillis(), id -> status());
            transfersTimer = vertx.setPeriodic(TRANSFERS_EVERY.toMillis(), id -> transfers());
            keepaliveTimer = vertx.setPeriodic(KEEPALIVE_EVERY.toMillis(), id -> write(": keepalive\n\n"));
            expires.ifPresent(at -> expiryTimer = vertx.setTimer(Math.max(1, Duration.between(clock.instant(), at).toMillis()), id -> {
                write("event: token-expired\ndata: {}\n\n");
                if (!response.ended() && !response.closed()) {
                    response.end();
                }
                stop();
            }));
            status();
            transfers();
        }

        private void status() {
            if (stopped.get() || !statusBusy.compareAndSet(false, true)) {
                return;
            }
            vertx.executeBlocking(() -> {
                StringBuilder out = new StringBuilder();
                out.append(event("status", status.body(scope).toString()));
                if (audits) {
                    auditEvents(out);
                }
                return out.toString();
            }, false).onComplete(r -> {
                statusBusy.set(false);
                if (r.succeeded()) {
                    write(r.result());
                } else {
                    LOG.warn("status event failed: {}", r.cause().toString());
                }
            });
        }

        private void transfers() {
            if (stopped.get() || !transfersBusy.compareAndSet(false, true)) {
                return;
            }
            vertx.executeBlocking(() -> {
                Instant now = clock.instant();
                return event("transfers", transfers.arcs(now.minus(Duration.ofHours(1)), now, scope).toString());
            }, false).onComplete(r -> {
                transfersBusy.set(false);
                if (r.succeeded()) {
                    write(r.result());
                } else {
                    LOG.warn("transfers event failed: {}", r.cause().toString());
                }
            });
        }

        /** An {@code audit-run} event per run whose summary changed since the last look; the first look only remembers. */
        private void auditEvents(StringBuilder out) {
            List<ObjectNode> runs;
            try {
                runs = auditRuns.get();
            } catch (RuntimeException e) {
                return; // the runs store is down; the next tick tries again
            }
            for (ObjectNode run : runs) {
                String id = run.path("runId").asText(run.path("id").asText());
                String json = run.toString();
                if (!json.equals(runsSeen.put(id, json)) && runsKnown) {
                    out.append(event("audit-run", json));
                }
            }
            runsKnown = true;
        }

        private String event(String name, String oneLineJson) {
            return "event: " + name + "\ndata: " + oneLineJson + "\n\n";
        }

        private void write(String text) {
            if (stopped.get() || text.isEmpty() || response.ended() || response.closed()) {
                return;
            }
            response.write(text);
        }

        void stop() {
            if (!stopped.compareAndSet(false, true)) {
                return;
            }
            for (long timer : new long[] {statusTimer, transfersTimer, keepaliveTimer, expiryTimer}) {
                if (timer >= 0) {
                    vertx.cancelTimer(timer);
                }
            }
            open.decrementAndGet();
            release(subject, subjectCount);
        }
    }
}
