package io.meridian.region.registry;

import io.opentracing.Span;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.eclipse.hono.client.ClientErrorException;
import org.eclipse.hono.deviceregistry.service.tenant.AbstractTenantManagementService;
import org.eclipse.hono.service.management.Filter;
import org.eclipse.hono.service.management.Id;
import org.eclipse.hono.service.management.OperationResult;
import org.eclipse.hono.service.management.Result;
import org.eclipse.hono.service.management.SearchResult;
import org.eclipse.hono.service.management.Sort;
import org.eclipse.hono.service.management.tenant.Tenant;
import org.eclipse.hono.service.management.tenant.TenantWithId;

/**
 * Hono's tenant management over the region's Cassandra. The tenant, including its trusted certificate
 * authorities for X.509 device authentication, is stored as Hono's management JSON with a resource version.
 * A trusted CA subject DN belongs to at most one tenant (409 otherwise), because a device's client
 * certificate must lead to exactly one tenant; {@code tenants_by_trust_anchor} holds those claims.
 */
final class CassandraTenantManagementService extends AbstractTenantManagementService {

    private final RegistryStore store;
    private final TenantCheck check;

    CassandraTenantManagementService(Vertx vertx, RegistryStore store, TenantCheck check) {
        super(vertx);
        this.store = store;
        this.check = check;
    }

    /** Refuses a tenant whose document the rest of the node could not use, with 400 and the problem. */
    private Future<Void> checked(String tenantId, Tenant tenant) {
        Optional<String> problem = check.problem(tenantId, new io.vertx.core.json.JsonObject(RegistryJson.write(tenant)));
        return problem.isEmpty() ? Future.succeededFuture()
                : Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_BAD_REQUEST, "tenant " + tenantId + ": " + problem.get()));
    }

    @Override
    protected Future<OperationResult<Id>> processCreateTenant(String tenantId, Tenant tenant, Span span) {
        List<String> claimed = new ArrayList<>();
        return checked(tenantId, tenant).compose(ok -> claimAll(tenantId, subjectDns(tenant), claimed))
                .compose(v -> store.createTenant(tenantId, RegistryJson.write(tenant)))
                .recover(t -> releaseAll(tenantId, claimed).transform(r -> Future.failedFuture(t)))
                .map(v -> OperationResult.ok(HttpURLConnection.HTTP_CREATED, Id.of(tenantId), Optional.empty(), Optional.of(v)));
    }

    @Override
    protected Future<OperationResult<Tenant>> processReadTenant(String tenantId, Span span) {
        return store.readTenant(tenantId).compose(row -> row
                .map(r -> Future.succeededFuture(OperationResult.ok(HttpURLConnection.HTTP_OK,
                        RegistryJson.read(r.json(), Tenant.class), Optional.empty(), Optional.of(r.version()))))
                .orElseGet(() -> Future.failedFuture(notFound(tenantId))));
    }

    @Override
    protected Future<OperationResult<Void>> processUpdateTenant(String tenantId, Tenant tenant, Optional<String> resourceVersion, Span span) {
        return checked(tenantId, tenant).compose(ok -> store.readTenant(tenantId)).compose(existing -> {
            if (existing.isEmpty()) {
                return Future.failedFuture(notFound(tenantId));
            }
            Set<String> before = subjectDns(RegistryJson.read(existing.get().json(), Tenant.class));
            Set<String> after = subjectDns(tenant);
            List<String> claimed = new ArrayList<>();
            return claimAll(tenantId, after, claimed)
                    .compose(v -> store.updateTenant(tenantId, RegistryJson.write(tenant), resourceVersion))
                    .recover(t -> releaseAll(tenantId, claimed).transform(r -> Future.failedFuture(t)))
                    .compose(version -> {
                        List<String> dropped = before.stream().filter(dn -> !after.contains(dn)).toList();
                        return releaseAll(tenantId, dropped).map(version);
                    });
        }).map(v -> OperationResult.ok(HttpURLConnection.HTTP_NO_CONTENT, (Void) null, Optional.empty(), Optional.of(v)));
    }

    @Override
    protected Future<Result<Void>> processDeleteTenant(String tenantId, Optional<String> resourceVersion, Span span) {
        return store.readTenant(tenantId).compose(existing -> {
            if (existing.isEmpty()) {
                return Future.failedFuture(notFound(tenantId));
            }
            Set<String> trusted = subjectDns(RegistryJson.read(existing.get().json(), Tenant.class));
            return store.deleteTenant(tenantId, resourceVersion).compose(v -> releaseAll(tenantId, List.copyOf(trusted)));
        }).map(v -> Result.from(HttpURLConnection.HTTP_NO_CONTENT));
    }

    /** The tenant's trusted CA subject DNs in RFC 2253 form. */
    private static Set<String> subjectDns(Tenant tenant) {
        Set<String> dns = new LinkedHashSet<>();
        Optional.ofNullable(tenant.getTrustedCertificateAuthoritySubjectDNs())
                .ifPresent(list -> list.forEach(p -> dns.add(p.getName(X500Principal.RFC2253))));
        return dns;
    }

    /** Claims each DN in order; those this request newly claimed are added to {@code claimed}. */
    private Future<Void> claimAll(String tenantId, Set<String> subjectDns, List<String> claimed) {
        Future<Void> chain = Future.succeededFuture();
        for (String dn : subjectDns) {
            chain = chain.compose(v -> store.claimTrustAnchor(dn, tenantId).map(isNew -> {
                if (isNew) {
                    claimed.add(dn);
                }
                return (Void) null;
            }));
        }
        return chain;
    }

    private Future<Void> releaseAll(String tenantId, List<String> subjectDns) {
        List<Future<Void>> releases = new ArrayList<>();
        subjectDns.forEach(dn -> releases.add(store.releaseTrustAnchor(dn, tenantId)));
        return Future.all(releases).mapEmpty();
    }

    private static ClientErrorException notFound(String tenantId) {
        return new ClientErrorException(HttpURLConnection.HTTP_NOT_FOUND, "tenant " + tenantId + " not found");
    }

    @Override
    protected Future<OperationResult<SearchResult<TenantWithId>>> processSearchTenants(int pageSize, int pageOffset,
            List<Filter> filters, List<Sort> sortOptions, Span span) {
        return store.readAllTenants().compose(rows -> {
            List<TenantWithId> all = rows.stream()
                    .map(e -> TenantWithId.from(e.getKey(), RegistryJson.read(e.getValue(), Tenant.class)))
                    .toList();
            SearchResult<TenantWithId> result = Search.run(all, TenantWithId::getId, pageSize, pageOffset, filters, sortOptions);
            if (result.getTotal() == 0) {
                return Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_NOT_FOUND, "no tenants match the search"));
            }
            return Future.succeededFuture(OperationResult.ok(HttpURLConnection.HTTP_OK, result, Optional.empty(), Optional.empty()));
        });
    }
}
