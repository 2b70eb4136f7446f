package io.meridian.region.registry;

import io.opentracing.Span;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.HttpURLConnection;
import java.util.List;
import java.util.Optional;
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
 */
final class CassandraTenantManagementService extends AbstractTenantManagementService {

    private final RegistryStore store;

    CassandraTenantManagementService(Vertx vertx, RegistryStore store) {
        super(vertx);
        this.store = store;
    }

    @Override
    protected Future<OperationResult<Id>> processCreateTenant(String tenantId, Tenant tenant, Span span) {
        return store.createTenant(tenantId, RegistryJson.write(tenant))
                .map(v -> OperationResult.ok(HttpURLConnection.HTTP_CREATED, Id.of(tenantId), Optional.empty(), Optional.of(v)));
    }

    @Override
    protected Future<OperationResult<Tenant>> processReadTenant(String tenantId, Span span) {
        return store.readTenant(tenantId).compose(row -> row
                .map(r -> Future.succeededFuture(OperationResult.ok(HttpURLConnection.HTTP_OK,
                        RegistryJson.read(r.json(), Tenant.class), Optional.empty(), Optional.of(r.version()))))
                .orElseGet(() -> Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_NOT_FOUND,
                        "tenant " + tenantId + " not found"))));
    }

    @Override
    protected Future<OperationResult<Void>> processUpdateTenant(String tenantId, Tenant tenant, Optional<String> resourceVersion, Span span) {
        return store.updateTenant(tenantId, RegistryJson.write(tenant), resourceVersion)
                .map(v -> OperationResult.ok(HttpURLConnection.HTTP_NO_CONTENT, (Void) null, Optional.empty(), Optional.of(v)));
    }

    @Override
    protected Future<Result<Void>> processDeleteTenant(String tenantId, Optional<String> resourceVersion, Span span) {
        return store.deleteTenant(tenantId, resourceVersion).map(v -> Result.from(HttpURLConnection.HTTP_NO_CONTENT));
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
