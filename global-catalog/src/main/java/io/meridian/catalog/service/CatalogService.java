package io.meridian.catalog.service;

import io.meridian.catalog.assignment.DeviceKeys;
import io.meridian.catalog.assignment.DeviceLocations;
import io.meridian.catalog.assignment.RegionAllocator;
import io.meridian.catalog.store.CatalogStore;
import io.meridian.catalog.store.CatalogStore.Assignment;
import io.meridian.catalog.store.CatalogStore.PendingOp;
import io.meridian.catalog.store.CatalogStore.State;
import io.meridian.catalog.store.NearCache;
import io.meridian.catalog.tenant.TenantSpec;
import io.meridian.policy.model.GeoPoint;
import io.meridian.policy.model.PolicyRules;
import io.meridian.policy.model.RegionId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The catalog's operations on tenants and devices, over its store and the regions' registries.
 *
 * <p><b>Registration</b> keeps the catalog and the region's registry in step without a distributed transaction:
 * <ol>
 *   <li>journal the operation (the device id sealed), so a crash at any later step can be repaired;</li>
 *   <li>claim the device's pseudonym for the chosen region by LWT ({@code PENDING}): of concurrent registrations of
 *       one device exactly one wins, the others get 409;</li>
 *   <li>create the device and its credentials in that region's registry;</li>
 *   <li>activate the claim ({@code ACTIVE}) and clear the journal.</li>
 * </ol>
 * A failure at step 3 or 4 rolls back: the registry entry is deleted first, then the claim released, so a registry
 * entry never exists without a claim. What a crash leaves half-done, {@link #repair} finishes: see there.
 */
public final class CatalogService {

    private static final Logger LOG = LoggerFactory.getLogger(CatalogService.class);
    private static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    private static final Pattern GROUP_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
    /** How old a journaled operation must be before {@link #repair} touches it: longer than any registration takes. */
    public static final Duration REPAIR_GRACE = Duration.ofMinutes(2);

    private final CatalogStore store;
    private final NearCache near;
    private final DeviceKeys keys;
    private final RegionAllocator allocator;
    private final DeviceLocations locations;
    private final Regions regions;
    private final PolicyRules rules;
    private final Duration defaultRetention;
    private final Clock clock;

    public CatalogService(CatalogStore store, NearCache near, DeviceKeys keys, RegionAllocator allocator, DeviceLocations locations, Regions regions,
            PolicyRules rules, Duration defaultRetention, Clock clock) {
        this.store = Objects.requireNonNull(store, "store must not be null");
        this.near = Objects.requireNonNull(near, "near must not be null");
        this.keys = Objects.requireNonNull(keys, "keys must not be null");
        this.allocator = Objects.requireNonNull(allocator, "allocator must not be null");
        this.locations = Objects.requireNonNull(locations, "locations must not be null");
        this.regions = Objects.requireNonNull(regions, "regions must not be null");
        this.rules = Objects.requireNonNull(rules, "rules must not be null");
        this.defaultRetention = Objects.requireNonNull(defaultRetention, "defaultRetention must not be null");
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
    }

    // ------------------------------------------------------------------ tenants

    /** A tenant with its revision and what each region holds of it. */
    public record TenantView(TenantSpec spec, long revision, Instant created, Instant updated, Map<String, CatalogStore.RegionSync> regions) {
        public JsonObject toJson(List<RegionId> allRegions) {
            JsonObject sync = new JsonObject();
            for (RegionId r : allRegions) {
                CatalogStore.RegionSync s = regions.get(r.value());
                JsonObject one = new JsonObject();
                if (s == null) {
                    one.put("status", "pending");
                } else {
                    one.put("status", s.error().isPresent() ? "failed" : s.revision() >= revision ? "current" : "pending")
                            .put("revision", s.revision());
                    s.pushed().ifPresent(p -> one.put("pushed", p.toString()));
                    s.error().ifPresent(e -> one.put("error", e));
                }
                sync.put(r.value(), one);
            }
            return spec.toJson().put("id", spec.id()).put("revision", revision).put("created", created.toString())
                    .put("updated", updated.toString()).put("regions", sync);
        }
    }

    /**
     * Creates or replaces a tenant, then pushes it to every region that is up; regions that are down or fail get it
     * from the catch-up ({@link #pendingPushes}).
     *
     * @return the tenant, and whether it was created
     */
    public CompletionStage<Map.Entry<TenantView, Boolean>> putTenant(String tenantId, JsonObject doc) {
        TenantSpec spec;
        try {
            spec = TenantSpec.fromJson(tenantId, doc, rules, defaultRetention);
        } catch (TenantSpec.InvalidTenantException e) {
            return CompletableFuture.failedFuture(CatalogProblem.badRequest(e.pointer(), e.getMessage()));
        }
        String text = spec.toJson().encode();
        Instant now = clock.instant();
        return store.tenant(tenantId).thenCompose(existing -> {
            if (existing.isEmpty()) {
                return store.createTenant(tenantId, text, now).thenCompose(created -> created ? CompletableFuture.completedFuture(true)
                        : CompletableFuture.failedFuture(CatalogProblem.conflict("tenant " + tenantId + " was created concurrently; repeat the request")));
            }
            long revision = existing.get().revision();
            return store.updateTenant(tenantId, text, revision, now).thenCompose(applied -> applied ? CompletableFuture.completedFuture(false)
                    : CompletableFuture.failedFuture(CatalogProblem.conflict("tenant " + tenantId + " was changed concurrently; repeat the request")));
        }).thenCompose(created -> pushEverywhere(tenantId).thenCompose(v -> tenant(tenantId))
                .thenApply(view -> Map.entry(view, created)));
    }

    /** The tenant, or a 404 problem. */
    public CompletionStage<TenantView> tenant(String tenantId) {
        return store.tenant(tenantId).thenCompose(row -> {
            if (row.isEmpty()) {
                return CompletableFuture.failedFuture(CatalogProblem.notFound("unknown tenant " + tenantId));
            }
            TenantSpec spec = TenantSpec.fromJson(tenantId, new JsonObject(row.get().spec()), rules, defaultRetention);
            return store.syncs(tenantId).thenApply(s -> new TenantView(spec, row.get().revision(), row.get().created(), row.get().updated(), s));
        });
    }

    /** Pushes the tenant's current revision to every region that is up, in parallel; failures are recorded, not thrown. */
    CompletionStage<Void> pushEverywhere(String tenantId) {
        List<CompletableFuture<Void>> pushes = new ArrayList<>();
        for (RegionId r : rules.regions().keySet()) {
            if (!regions.down().contains(r)) {
                pushes.add(push(tenantId, r).toCompletableFuture().exceptionally(e -> null));
            }
        }
        return CompletableFuture.allOf(pushes.toArray(CompletableFuture[]::new));
    }

    /**
     * Pushes the tenant's current revision to one region and records the outcome.
     *
     * @return completes exceptionally when the push failed (after recording it)
     */
    public CompletionStage<Void> push(String tenantId, RegionId region) {
        return store.tenant(tenantId).thenCompose(row -> {
            if (row.isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            long revision = row.get().revision();
            TenantSpec spec = TenantSpec.fromJson(tenantId, new JsonObject(row.get().spec()), rules, defaultRetention);
            return regions.upsertTenant(region, tenantId, spec.toHonoTenant(revision))
                    .thenCompose(v -> store.recordSync(tenantId, region.value(), revision, clock.instant()))
                    .handle((v, e) -> {
                        if (e == null) {
                            return CompletableFuture.<Void>completedFuture(null);
                        }
                        Throwable cause = unwrap(e);
                        LOG.warn("tenant {} revision {} not pushed to {}: {}", tenantId, revision, region, cause.getMessage());
                        return store.recordSyncError(tenantId, region.value(), String.valueOf(cause.getMessage()))
                                .thenCompose(x -> CompletableFuture.<Void>failedFuture(cause));
                    }).thenCompose(f -> f);
        });
    }

    /**
     * The tenants one region does not hold at their current revision, rendered for its registry: what the catch-up
     * ({@link io.meridian.catalog.region.TenantSync}) pushes when the region returns, and on its periodic sweep.
     */
    public CompletionStage<List<io.meridian.catalog.region.TenantSync.PendingPush>> pendingPushes(RegionId region) {
        return store.tenants().thenCompose(rows -> {
            List<CompletableFuture<Optional<io.meridian.catalog.region.TenantSync.PendingPush>>> checks = new ArrayList<>();
            for (CatalogStore.TenantRow row : rows) {
                checks.add(store.syncs(row.tenantId()).thenApply(s -> {
                    CatalogStore.RegionSync sync = s.get(region.value());
                    if (sync != null && sync.error().isEmpty() && sync.revision() >= row.revision()) {
                        return Optional.<io.meridian.catalog.region.TenantSync.PendingPush>empty();
                    }
                    TenantSpec spec = TenantSpec.fromJson(row.tenantId(), new JsonObject(row.spec()), rules, defaultRetention);
                    return Optional.of(new io.meridian.catalog.region.TenantSync.PendingPush(row.tenantId(), row.revision(),
                            spec.toHonoTenant(row.revision())));
                }).toCompletableFuture());
            }
            return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new))
                    .thenApply(v -> checks.stream().map(CompletableFuture::join).flatMap(Optional::stream).toList());
        });
    }

    /** Records that a region now holds a tenant's revision (the catch-up's callback). */
    public CompletionStage<Void> pushed(String tenantId, RegionId region, long revision) {
        return store.recordSync(tenantId, region.value(), revision, clock.instant());
    }

    // ------------------------------------------------------------------ devices

    /** A device's registration request. */
    public record DeviceRequest(String tenantId, String deviceId, JsonObject location, Map<String, String> labels, Optional<InetAddress> observed,
            String via) {
    }

    /** What a registration returns, once: the region, its endpoints and the device's secrets. */
    public record Registered(String deviceId, RegionId region, Regions.DeviceEndpoints endpoints, String password, String bootstrapSecret,
            RegionAllocator.Allocation allocation) {
        public JsonObject toJson() {
            return new JsonObject().put("device-id", deviceId).put("region", region.value()).put("endpoints", endpoints.toJson())
                    .put("credentials", new JsonObject().put("type", "hashed-password").put("auth-id", deviceId).put("password", password))
                    .put("bootstrap-secret", bootstrapSecret)
                    .put("allocation", new JsonObject().put("distance-km", Math.round(allocation.distanceKm()))
                            .put("skipped-down", new JsonArray(allocation.skippedDown().stream().map(RegionId::value).toList())));
        }
    }

    /** Registers a device: see the class comment. */
    public CompletionStage<Registered> register(DeviceRequest request) {
        String tenantId = request.tenantId();
        String deviceId = request.deviceId();
        if (deviceId == null || !DEVICE_ID.matcher(deviceId).matches()) {
            return CompletableFuture.failedFuture(CatalogProblem.badRequest("/device-id",
                    "a device id must be 1-128 of A-Z a-z 0-9 . _ : - and start with a letter or digit, was '" + deviceId + "'"));
        }
        for (Map.Entry<String, String> label : request.labels().entrySet()) {
            if (!label.getKey().matches("[a-z][a-z0-9_-]{0,31}") || label.getValue().length() > 128) {
                return CompletableFuture.failedFuture(CatalogProblem.badRequest("/labels/" + label.getKey(),
                        "label keys are 1-32 of a-z 0-9 _ - starting with a letter, values at most 128 characters"));
            }
        }
        return tenant(tenantId).thenCompose(tenant -> {
            GeoPoint point = locate(request.location(), request.observed());
            RegionAllocator.Allocation allocation;
            try {
                allocation = allocator.allocate(tenant.spec().allocation(), point, regions.down());
            } catch (RegionAllocator.NoRegionAvailableException e) {
                throw new CatalogProblem(503, "No region available", e.getMessage());
            }
            return existing(tenantId, deviceId).thenCompose(found -> {
                if (found.isPresent()) {
                    throw CatalogProblem.conflict("device " + deviceId + " of tenant " + tenantId + " is already registered, in region "
                            + found.get().region());
                }
                return registerIn(tenant, deviceId, request.labels(), allocation, request.via());
            });
        });
    }

    private CompletionStage<Registered> registerIn(TenantView tenant, String deviceId, Map<String, String> labels,
            RegionAllocator.Allocation allocation, String via) {
        String tenantId = tenant.spec().id();
        RegionId region = allocation.region();
        String key = keys.pseudonym(tenantId, deviceId);
        UUID op = CatalogStore.newOpId();
        Instant now = clock.instant();
        String password = Secrets.generate();
        String bootstrap = Secrets.generate();
        PendingOp journal = new PendingOp(CatalogStore.shardOf(op), op, "register", key, tenantId, region.value(), Optional.empty(),
                ByteBuffer.wrap(keys.seal(tenantId, deviceId)), now);
        Assignment claim = new Assignment(key, tenantId, region.value(), State.PENDING, op, Optional.of(ByteBuffer.wrap(Secrets.hash(bootstrap))),
                via, now, now);
        return store.journal(journal)
                .thenCompose(v -> store.claim(claim))
                .thenCompose(c -> {
                    if (!c.won()) {
                        return store.clear(journal).thenCompose(v -> CompletableFuture.failedFuture(CatalogProblem.conflict("device " + deviceId
                                + " of tenant " + tenantId + " is already registered, in region " + c.current().region())));
                    }
                    return ensureTenant(tenant, region)
                            .thenCompose(v -> regions.createDevice(region, tenantId, deviceId, deviceJson(labels)))
                            .thenCompose(created -> regions.setCredentials(region, tenantId, deviceId, credentials(deviceId, password)))
                            .thenCompose(v -> store.activate(key, op, clock.instant()))
                            .thenCompose(active -> {
                                if (!active) {
                                    throw new IllegalStateException("the claim of operation " + op + " was taken over before it could be activated");
                                }
                                near.invalidate(key);
                                return store.clear(journal).exceptionally(e -> null);
                            })
                            .thenApply(v -> new Registered(deviceId, region, regions.endpoints(region), password, bootstrap, allocation))
                            .exceptionallyCompose(e -> rollback(journal, deviceId, region, op)
                                    .thenCompose(v -> CompletableFuture.failedFuture(regionProblem(unwrap(e), region, "registering device " + deviceId))));
                });
    }

    /** Makes sure the region holds the tenant at its current revision before a device is created there. */
    private CompletionStage<Void> ensureTenant(TenantView tenant, RegionId region) {
        CatalogStore.RegionSync sync = tenant.regions().get(region.value());
        if (sync != null && sync.error().isEmpty() && sync.revision() >= tenant.revision()) {
            return CompletableFuture.completedFuture(null);
        }
        return push(tenant.spec().id(), region);
    }

    /** Undoes a registration that failed after its claim: the registry entry first, then the claim, then the journal. */
    private CompletionStage<Void> rollback(PendingOp journal, String deviceId, RegionId region, UUID op) {
        return regions.deleteDevice(region, journal.tenantId(), deviceId)
                .thenCompose(v -> store.release(journal.deviceKey(), op))
                .thenCompose(v -> store.clear(journal))
                .handle((v, e) -> {
                    if (e != null) {
                        // the journal stays; the repair job finishes the rollback when the region answers again
                        LOG.warn("rollback of operation {} in {} left for the repair job: {}", op, region, unwrap(e).getMessage());
                    }
                    near.invalidate(journal.deviceKey());
                    return null;
                });
    }

    /** The device's assignment under any configured key, if it has one. */
    CompletionStage<Optional<Assignment>> existing(String tenantId, String deviceId) {
        List<String> candidates = keys.candidates(tenantId, deviceId);
        CompletionStage<Optional<Assignment>> chain = CompletableFuture.completedFuture(Optional.empty());
        for (String key : candidates) {
            chain = chain.thenCompose(found -> found.isPresent() ? CompletableFuture.completedFuture(found) : store.assignment(key));
        }
        return chain;
    }

    /** The most device ids one {@link #assignments} call takes. */
    public static final int MAX_AUDIT_DEVICES = 1000;
    /** Lookups in flight at once for one {@link #assignments} call: enough to hide the round trip, few enough to leave the driver room. */
    private static final int AUDIT_LOOKUPS_IN_FLIGHT = 128;

    /**
     * Which region each of a tenant's devices is assigned to, for an audit of what a region stores: body
     * {@code {"tenant": "t", "devices": ["d1", ...]}} (at most {@value #MAX_AUDIT_DEVICES} ids) to
     * {@code {"tenant": "t", "assignments": {"d1": "eu-central", "d2": null}}}, null for a device the catalog does
     * not know. The ids are hashed as at registration (every configured key is tried) and neither logged nor stored.
     * Reads are {@code LOCAL_ONE}, as on the bootstrap path: an audit compares settled assignments, and a serial
     * read per device would cost a Paxos round each. A PENDING claim names its region like an ACTIVE one, since a
     * device being registered may already have been written to that region's registry.
     *
     * @return a stage failing with a 400 {@link CatalogProblem} naming the field when the body is malformed
     */
    public CompletionStage<JsonObject> assignments(JsonObject body) {
        Object tenant = body.getValue("tenant");
        if (!(tenant instanceof String tenantId) || tenantId.isBlank()) {
            return CompletableFuture.failedFuture(CatalogProblem.badRequest("/tenant", "tenant must be a non-empty string, was " + tenant));
        }
        Object devices = body.getValue("devices");
        if (!(devices instanceof JsonArray list)) {
            return CompletableFuture.failedFuture(CatalogProblem.badRequest("/devices", "devices must be an array of device ids"));
        }
        if (list.size() > MAX_AUDIT_DEVICES) {
            return CompletableFuture.failedFuture(CatalogProblem.badRequest("/devices", "devices must hold at most " + MAX_AUDIT_DEVICES
                    + " ids, was " + list.size()));
        }
        for (String field : body.fieldNames()) {
            if (!field.equals("tenant") && !field.equals("devices")) {
                return CompletableFuture.failedFuture(CatalogProblem.badRequest("/" + field, "unknown field " + field
                        + "; the body has tenant and devices"));
            }
        }
        List<String> ids = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            if (!(list.getValue(i) instanceof String id) || id.isEmpty()) {
                // the message names the position, never a value: it may be a device id
                return CompletableFuture.failedFuture(CatalogProblem.badRequest("/devices/" + i, "device ids must be non-empty strings"));
            }
            ids.add(id);
        }
        java.util.Map<String, Optional<String>> found = new java.util.concurrent.ConcurrentHashMap<>();
        CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
        for (int from = 0; from < ids.size(); from += AUDIT_LOOKUPS_IN_FLIGHT) {
            List<String> slice = ids.subList(from, Math.min(ids.size(), from + AUDIT_LOOKUPS_IN_FLIGHT));
            chain = chain.thenCompose(v -> CompletableFuture.allOf(slice.stream().distinct()
                    .map(id -> assignedRegion(tenantId, id).thenAccept(r -> found.put(id, r)).toCompletableFuture())
                    .toArray(CompletableFuture[]::new)));
        }
        return chain.thenApply(v -> {
            JsonObject assignments = new JsonObject();
            ids.forEach(id -> assignments.put(id, found.get(id).orElse(null)));
            return new JsonObject().put("tenant", tenantId).put("assignments", assignments);
        });
    }

    private CompletionStage<Optional<String>> assignedRegion(String tenantId, String deviceId) {
        CompletionStage<Optional<Assignment>> chain = CompletableFuture.completedFuture(Optional.empty());
        for (String key : keys.candidates(tenantId, deviceId)) {
            chain = chain.thenCompose(f -> f.isPresent() ? CompletableFuture.completedFuture(f) : store.assignmentFast(key));
        }
        return chain.thenApply(a -> a.map(Assignment::region));
    }

    /** A device's assignment, for its tenant's administrators. */
    public CompletionStage<JsonObject> device(String tenantId, String deviceId) {
        return tenant(tenantId).thenCompose(t -> existing(tenantId, deviceId)).thenApply(found -> {
            Assignment a = found.orElseThrow(() -> CatalogProblem.notFound("device " + deviceId + " of tenant " + tenantId + " is not registered"));
            return new JsonObject().put("device-id", deviceId).put("tenant", tenantId).put("region", a.region()).put("state", a.state().name())
                    .put("via", a.via()).put("created", a.created().toString()).put("updated", a.updated().toString());
        });
    }

    /** Deregisters a device: out of its region's registry, then out of the catalog. Raw data stays in the region until it expires. */
    public CompletionStage<Void> deregister(String tenantId, String deviceId) {
        return tenant(tenantId).thenCompose(t -> existing(tenantId, deviceId)).thenCompose(found -> {
            Assignment a = found.orElseThrow(() -> CatalogProblem.notFound("device " + deviceId + " of tenant " + tenantId + " is not registered"));
            if (a.state() != State.ACTIVE) {
                throw CatalogProblem.conflict("device " + deviceId + " has an operation in flight; repeat the request later");
            }
            RegionId region = RegionId.of(a.region());
            return regions.deleteDevice(region, tenantId, deviceId)
                    .exceptionallyCompose(e -> CompletableFuture.failedFuture(regionProblem(unwrap(e), region, "deleting device " + deviceId)))
                    .thenCompose(v -> store.release(a.deviceKey(), a.opId()))
                    .thenApply(released -> {
                        near.invalidate(a.deviceKey());
                        if (!released) {
                            throw CatalogProblem.conflict("device " + deviceId + " changed while it was being deleted; repeat the request");
                        }
                        return null;
                    });
        });
    }

    /** What re-homing returns: the new region and the device's new secrets (its old region's credentials are gone). */
    public CompletionStage<Registered> rehome(String tenantId, String deviceId, JsonObject body) {
        Object target = body.getValue("region");
        Object rawData = body.getValue("raw-data", "keep");
        if (!"keep".equals(rawData)) {
            return CompletableFuture.failedFuture(CatalogProblem.badRequest("/raw-data", "raw-data must be \"keep\": raw data already stored in "
                    + "the old region stays there until its retention ends, and never moves; deleting it on request is not offered yet, was " + rawData));
        }
        RegionId to;
        try {
            to = RegionId.of(String.valueOf(target));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(CatalogProblem.badRequest("/region", "region must be a region id, was " + target));
        }
        if (!rules.regions().containsKey(to)) {
            return CompletableFuture.failedFuture(CatalogProblem.badRequest("/region", "unknown region " + to + "; regions are " + rules.regions().keySet()));
        }
        return tenant(tenantId).thenCompose(tenant -> existing(tenantId, deviceId).thenCompose(found -> {
            Assignment a = found.orElseThrow(() -> CatalogProblem.notFound("device " + deviceId + " of tenant " + tenantId + " is not registered"));
            if (!allocator.permits(tenant.spec().allocation(), to)) {
                throw new CatalogProblem(422, "Not permitted", "tenant " + tenantId + "'s allocation policy " + tenant.spec().allocation()
                        + " does not permit region " + to);
            }
            if (a.region().equals(to.value())) {
                throw CatalogProblem.conflict("device " + deviceId + " already lives in " + to);
            }
            if (a.state() != State.ACTIVE) {
                throw CatalogProblem.conflict("device " + deviceId + " has an operation in flight; repeat the request later");
            }
            if (regions.down().contains(to)) {
                throw new CatalogProblem(503, "Region down", "region " + to + " is down; re-home later");
            }
            RegionId from = RegionId.of(a.region());
            UUID op = CatalogStore.newOpId();
            Instant now = clock.instant();
            String password = Secrets.generate();
            String bootstrap = Secrets.generate();
            PendingOp journal = new PendingOp(CatalogStore.shardOf(op), op, "rehome", a.deviceKey(), tenantId, to.value(), Optional.of(from.value()),
                    ByteBuffer.wrap(keys.seal(tenantId, deviceId)), now);
            return store.journal(journal)
                    .thenCompose(v -> store.move(a.deviceKey(), a.opId(), to.value(), op, State.PENDING, now))
                    .thenCompose(moved -> {
                        if (!moved) {
                            return store.clear(journal).thenCompose(v -> CompletableFuture.<Registered>failedFuture(
                                    CatalogProblem.conflict("device " + deviceId + " changed while it was being re-homed; repeat the request")));
                        }
                        near.invalidate(a.deviceKey());
                        return ensureTenant(tenant, to)
                                .thenCompose(v -> regions.createDevice(to, tenantId, deviceId, new JsonObject().put("enabled", true)))
                                .thenCompose(v -> regions.setCredentials(to, tenantId, deviceId, credentials(deviceId, password)))
                                .thenCompose(v -> store.setBootstrapHash(a.deviceKey(), op, ByteBuffer.wrap(Secrets.hash(bootstrap)), clock.instant()))
                                .thenCompose(v -> store.activate(a.deviceKey(), op, clock.instant()))
                                .thenCompose(active -> {
                                    if (!active) {
                                        throw new IllegalStateException("the re-homing " + op + " was taken over before it could be activated");
                                    }
                                    near.invalidate(a.deviceKey());
                                    // the old region's entry goes last; if that fails the journal stays and the repair job deletes it
                                    return regions.deleteDevice(from, tenantId, deviceId).thenCompose(v -> store.clear(journal))
                                            .exceptionally(e -> {
                                                LOG.warn("re-homing {}: the old entry in {} is left for the repair job: {}", op, from, unwrap(e).getMessage());
                                                return null;
                                            });
                                })
                                .thenApply(v -> new Registered(deviceId, to, regions.endpoints(to), password, bootstrap,
                                        new RegionAllocator.Allocation(to, 0, List.of(), 1)))
                                .exceptionallyCompose(e -> regions.deleteDevice(to, tenantId, deviceId)
                                        .thenCompose(v -> store.move(a.deviceKey(), op, from.value(), a.opId(), State.ACTIVE, clock.instant()))
                                        .thenCompose(v -> store.clear(journal))
                                        .handle((v, e2) -> {
                                            near.invalidate(a.deviceKey());
                                            if (e2 != null) {
                                                LOG.warn("re-homing {} rollback left for the repair job: {}", op, unwrap(e2).getMessage());
                                            }
                                            return null;
                                        })
                                        .thenCompose(v -> CompletableFuture.failedFuture(regionProblem(unwrap(e), to, "re-homing device " + deviceId))));
                    });
        }));
    }

    /**
     * Finishes what crashed or unreachable regions left half-done. For every journaled operation older than
     * {@link #REPAIR_GRACE}:
     * <ul>
     *   <li>register, claim still PENDING under this operation: roll back (delete the registry entry, release the claim);</li>
     *   <li>register, claim ACTIVE under this operation: it completed; only the journal entry is left;</li>
     *   <li>register, claim absent or another operation's: this operation lost or was rolled back, and never wrote a
     *       registry entry that anyone else holds; only the journal entry is left;</li>
     *   <li>rehome, PENDING under this operation: roll back (delete in the new region, move the claim back);</li>
     *   <li>rehome, ACTIVE under this operation: roll forward (delete in the old region);</li>
     *   <li>rehome, still the old operation's: delete any entry in the new region.</li>
     * </ul>
     * An operation whose region does not answer stays journaled for the next run.
     *
     * @return how many operations were settled
     */
    public CompletionStage<Integer> repair() {
        Instant cutoff = clock.instant().minus(REPAIR_GRACE);
        return store.pending().thenCompose(ops -> {
            CompletionStage<Integer> chain = CompletableFuture.completedFuture(0);
            for (PendingOp op : ops) {
                if (op.started().isAfter(cutoff)) {
                    continue;
                }
                chain = chain.thenCompose(n -> settle(op).handle((settled, e) -> {
                    if (e != null) {
                        LOG.warn("repair of operation {} deferred: {}", op.opId(), unwrap(e).getMessage());
                        return n;
                    }
                    return n + 1;
                }));
            }
            return chain;
        });
    }

    private CompletionStage<Void> settle(PendingOp op) {
        String deviceId = keys.open(op.tenantId(), op.sealedDevice().array());
        RegionId region = RegionId.of(op.region());
        return store.assignment(op.deviceKey()).thenCompose(found -> {
            boolean ours = found.isPresent() && found.get().opId().equals(op.opId());
            boolean pending = ours && found.get().state() == State.PENDING;
            CompletionStage<Void> work;
            if ("register".equals(op.kind())) {
                work = pending ? regions.deleteDevice(region, op.tenantId(), deviceId).thenCompose(v -> store.release(op.deviceKey(), op.opId()))
                        .thenApply(v -> null) : CompletableFuture.completedFuture(null);
            } else {
                RegionId from = RegionId.of(op.fromRegion().orElseThrow());
                if (pending) {
                    work = regions.deleteDevice(region, op.tenantId(), deviceId)
                            .thenCompose(v -> store.move(op.deviceKey(), op.opId(), from.value(), CatalogStore.newOpId(), State.ACTIVE, clock.instant()))
                            .thenApply(v -> null);
                } else if (ours) {
                    work = regions.deleteDevice(from, op.tenantId(), deviceId);
                } else {
                    boolean stillInFrom = found.isPresent() && found.get().region().equals(from.value());
                    work = stillInFrom ? regions.deleteDevice(region, op.tenantId(), deviceId) : CompletableFuture.completedFuture(null);
                }
            }
            return work.thenCompose(v -> {
                near.invalidate(op.deviceKey());
                return store.clear(op);
            });
        });
    }

    // ------------------------------------------------------------------ enrollment and bootstrap

    /** Creates an enrollment group; its secret is returned once. */
    public CompletionStage<JsonObject> createGroup(String tenantId, String groupId) {
        if (groupId == null || !GROUP_ID.matcher(groupId).matches()) {
            return CompletableFuture.failedFuture(CatalogProblem.badRequest("/group-id", "a group id must be 1-64 of a-z 0-9 - starting with a letter "
                    + "or digit, was '" + groupId + "'"));
        }
        String secret = Secrets.generate();
        Instant now = clock.instant();
        return tenant(tenantId).thenCompose(t -> store.createGroup(tenantId, groupId, ByteBuffer.wrap(Secrets.hash(secret)), now)).thenApply(created -> {
            if (!created) {
                throw CatalogProblem.conflict("enrollment group " + groupId + " of tenant " + tenantId + " exists");
            }
            return new JsonObject().put("group-id", groupId).put("tenant", tenantId).put("secret", secret).put("created", now.toString());
        });
    }

    public CompletionStage<JsonArray> groups(String tenantId) {
        return tenant(tenantId).thenCompose(t -> store.groups(tenantId)).thenApply(list -> new JsonArray(list.stream()
                .map(g -> new JsonObject().put("group-id", g.groupId()).put("enabled", g.enabled()).put("created", g.created().toString())).toList()));
    }

    public CompletionStage<Void> disableGroup(String tenantId, String groupId) {
        return tenant(tenantId).thenCompose(t -> store.disableGroup(tenantId, groupId)).thenApply(found -> {
            if (!found) {
                throw CatalogProblem.notFound("enrollment group " + groupId + " of tenant " + tenantId + " does not exist");
            }
            return null;
        });
    }

    /**
     * {@code POST /v1/bootstrap}: a device authenticated by its bootstrap secret learns its region and endpoints; a
     * new device authenticated by its enrollment group is registered, and learns its credentials once. Every
     * attempt is logged by pseudonym, whatever its outcome; a bootstrap that cannot be logged fails.
     */
    public CompletionStage<JsonObject> bootstrap(JsonObject body, Optional<InetAddress> observed) {
        Object tenant = body.getValue("tenant");
        Object device = body.getValue("device-id");
        if (!(tenant instanceof String tenantId) || tenantId.isBlank()) {
            return CompletableFuture.failedFuture(CatalogProblem.badRequest("/tenant", "tenant is required"));
        }
        if (!(device instanceof String deviceId) || !DEVICE_ID.matcher(deviceId).matches()) {
            return CompletableFuture.failedFuture(CatalogProblem.badRequest("/device-id", "device-id is required: 1-128 of A-Z a-z 0-9 . _ : -"));
        }
        String key = keys.pseudonym(tenantId, deviceId);
        if (body.containsKey("enrollment-group")) {
            return logged(enroll(tenantId, deviceId, body, observed), tenantId, key, "enrollment");
        }
        Object secret = body.getValue("secret");
        if (!(secret instanceof String s)) {
            return CompletableFuture.failedFuture(CatalogProblem.badRequest("/secret", "secret (the device's bootstrap secret) or enrollment-group is required"));
        }
        CompletionStage<JsonObject> answer = lookup(tenantId, deviceId).thenApply(found -> {
            // one answer for unknown devices and wrong secrets, so the endpoint does not reveal which devices exist
            Assignment a = found.filter(x -> x.state() == State.ACTIVE && x.bootstrapHash().isPresent()
                    && Secrets.matches(s, bytes(x.bootstrapHash().get())))
                    .orElseThrow(() -> new CatalogProblem(401, "Unauthorized", "the device is unknown or its bootstrap secret is wrong"));
            RegionId region = RegionId.of(a.region());
            return new JsonObject().put("tenant", tenantId).put("device-id", deviceId).put("region", region.value())
                    .put("endpoints", regions.endpoints(region).toJson());
        });
        return logged(answer, tenantId, key, "secret");
    }

    private CompletionStage<Optional<Assignment>> lookup(String tenantId, String deviceId) {
        List<String> candidates = keys.candidates(tenantId, deviceId);
        CompletionStage<Optional<Assignment>> chain = near.get(candidates.get(0));
        for (String other : candidates.subList(1, candidates.size())) {
            chain = chain.thenCompose(found -> found.isPresent() ? CompletableFuture.completedFuture(found) : near.get(other));
        }
        return chain;
    }

    private CompletionStage<JsonObject> enroll(String tenantId, String deviceId, JsonObject body, Optional<InetAddress> observed) {
        Object group = body.getValue("enrollment-group");
        Object secret = body.getValue("group-secret");
        if (!(group instanceof String groupId) || !(secret instanceof String s)) {
            return CompletableFuture.failedFuture(CatalogProblem.badRequest("/group-secret", "enrollment needs enrollment-group and group-secret"));
        }
        Object location = body.getValue("location");
        if (location != null && !(location instanceof JsonObject)) {
            return CompletableFuture.failedFuture(CatalogProblem.badRequest("/location", "location must be an object, was " + location));
        }
        Map<String, String> labels;
        try {
            labels = labels(body.getValue("labels"));
        } catch (CatalogProblem e) {
            return CompletableFuture.failedFuture(e);
        }
        return store.group(tenantId, groupId).thenCompose(g -> {
            if (g.isEmpty() || !g.get().enabled() || !Secrets.matches(s, bytes(g.get().secretHash()))) {
                throw new CatalogProblem(401, "Unauthorized", "the enrollment group is unknown, disabled, or its secret is wrong");
            }
            return register(new DeviceRequest(tenantId, deviceId, (JsonObject) location, labels, observed, "enrollment:" + groupId));
        }).thenApply(r -> r.toJson().put("tenant", tenantId)).exceptionallyCompose(e -> {
            Throwable cause = unwrap(e);
            if (cause instanceof CatalogProblem p && p.status() == 409) {
                return CompletableFuture.failedFuture(CatalogProblem.conflict("device " + deviceId + " is already enrolled; its credentials were "
                        + "returned once, at enrollment. Bootstrap with its bootstrap secret"));
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    private CompletionStage<JsonObject> logged(CompletionStage<JsonObject> answer, String tenantId, String key, String method) {
        return answer.handle((json, e) -> {
            Throwable cause = e == null ? null : unwrap(e);
            String outcome = e == null ? "ok" : cause instanceof CatalogProblem p ? String.valueOf(p.status()) : "error";
            Optional<String> region = json == null ? Optional.empty() : Optional.ofNullable(json.getString("region"));
            // the title only: a problem's detail may name the device, and the log is replicated everywhere
            String detail = cause == null ? "" : cause instanceof CatalogProblem p ? p.title() : cause.getClass().getSimpleName();
            CompletionStage<JsonObject> result = store.log(new CatalogStore.BootstrapEntry(clock.instant(), tenantId, key, method, outcome, region,
                    detail.length() > 200 ? detail.substring(0, 200) : detail))
                    .handle((v, logError) -> {
                        if (logError != null) {
                            throw new CatalogProblem(503, "Bootstrap log unavailable", "the bootstrap could not be logged, so it is refused; retry");
                        }
                        if (cause != null) {
                            throw cause instanceof RuntimeException re ? re : new CompletionException(cause);
                        }
                        return json;
                    });
            return result;
        }).thenCompose(f -> f);
    }

    // ------------------------------------------------------------------ helpers

    /** Where a device is: declared coordinates, else a declared country, else the country of its observed address. */
    GeoPoint locate(JsonObject location, Optional<InetAddress> observed) {
        JsonObject l = location == null ? new JsonObject() : location;
        for (String key : l.fieldNames()) {
            if (!List.of("lat", "lon", "country", "ip").contains(key)) {
                throw CatalogProblem.badRequest("/location/" + key, "unknown location field; use lat and lon, or country, or ip");
            }
        }
        if (l.containsKey("lat") || l.containsKey("lon")) {
            Object lat = l.getValue("lat");
            Object lon = l.getValue("lon");
            if (!(lat instanceof Number la) || !(lon instanceof Number lo)) {
                throw CatalogProblem.badRequest("/location", "lat and lon must both be numbers, were " + lat + " and " + lon);
            }
            try {
                return GeoPoint.of(la.doubleValue(), lo.doubleValue());
            } catch (IllegalArgumentException e) {
                throw CatalogProblem.badRequest("/location", "malformed coordinates: " + e.getMessage());
            }
        }
        if (l.containsKey("country")) {
            Object c = l.getValue("country");
            return locations.country(String.valueOf(c)).orElseThrow(() -> CatalogProblem.badRequest("/location/country",
                    "unknown country " + c + "; the catalog knows " + locations.countries() + " countries by ISO 3166 alpha-2 code"));
        }
        Optional<InetAddress> address = observed;
        if (l.containsKey("ip")) {
            try {
                String text = String.valueOf(l.getValue("ip"));
                if (!text.matches("[0-9a-fA-F:.]+")) {
                    throw new UnknownHostException(text);
                }
                address = Optional.of(InetAddress.getByName(text));
            } catch (UnknownHostException e) {
                throw CatalogProblem.badRequest("/location/ip", "not an IP address: " + l.getValue("ip"));
            }
        }
        Optional<String> country = address.flatMap(locations::countryOf);
        if (country.isEmpty()) {
            throw CatalogProblem.badRequest("/location", "the device's location is unknown: declare lat and lon or a country"
                    + address.map(a -> " (address " + a.getHostAddress() + " is in no known range)").orElse(""));
        }
        return locations.country(country.get()).orElseThrow();
    }

    /** Device labels from a request: an object of strings, or a 400 naming the bad one. */
    public static Map<String, String> labels(Object value) {
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof JsonObject o)) {
            throw CatalogProblem.badRequest("/labels", "labels must be an object of strings, was " + value);
        }
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (String k : o.fieldNames()) {
            if (!(o.getValue(k) instanceof String s)) {
                throw CatalogProblem.badRequest("/labels/" + k, "label values must be strings, was " + o.getValue(k));
            }
            out.put(k, s);
        }
        return out;
    }

    private static JsonObject deviceJson(Map<String, String> labels) {
        JsonObject device = new JsonObject().put("enabled", true);
        if (!labels.isEmpty()) {
            device.put("ext", new JsonObject().put("meridian", new JsonObject().put("labels", new JsonObject(new java.util.LinkedHashMap<>(labels)))));
        }
        return device;
    }

    private static JsonArray credentials(String deviceId, String password) {
        return new JsonArray().add(new JsonObject().put("type", "hashed-password").put("auth-id", deviceId)
                .put("secrets", new JsonArray().add(new JsonObject().put("pwd-plain", password))));
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static CatalogProblem regionProblem(Throwable e, RegionId region, String what) {
        if (e instanceof CatalogProblem p) {
            return p;
        }
        if (e instanceof Regions.RegionCallException r) {
            OptionalInt status = r.status();
            if (r.unreachable()) {
                return new CatalogProblem(503, "Region unavailable", what + ": region " + region + " could not be reached (" + r.getMessage()
                        + "); nothing was registered", Optional.empty(), r);
            }
            return new CatalogProblem(502, "Region refused", what + ": region " + region + "'s registry answered " + status.getAsInt() + " ("
                    + r.getMessage() + "); nothing was registered", Optional.empty(), r);
        }
        return new CatalogProblem(500, "Internal error", what + " failed: " + e.getMessage() + "; nothing was registered", Optional.empty(), e);
    }
}
