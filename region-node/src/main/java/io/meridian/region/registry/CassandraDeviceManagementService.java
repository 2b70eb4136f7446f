package io.meridian.region.registry;

import io.opentracing.Span;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.HttpURLConnection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.eclipse.hono.client.ClientErrorException;
import org.eclipse.hono.deviceregistry.service.device.AbstractDeviceManagementService;
import org.eclipse.hono.deviceregistry.service.device.DeviceKey;
import org.eclipse.hono.service.management.Filter;
import org.eclipse.hono.service.management.Id;
import org.eclipse.hono.service.management.OperationResult;
import org.eclipse.hono.service.management.Result;
import org.eclipse.hono.service.management.SearchResult;
import org.eclipse.hono.service.management.Sort;
import org.eclipse.hono.service.management.device.Device;
import org.eclipse.hono.service.management.device.DeviceWithId;

/**
 * Hono's device management over the region's Cassandra. Only devices assigned to this region are ever
 * created here; the registry of another region is another keyspace in another cluster.
 */
final class CassandraDeviceManagementService extends AbstractDeviceManagementService {

    private final RegistryStore store;

    CassandraDeviceManagementService(Vertx vertx, RegistryStore store) {
        super(vertx);
        this.store = store;
    }

    @Override
    protected Future<OperationResult<Id>> processCreateDevice(DeviceKey key, Device device, Span span) {
        return store.createDevice(key.getTenantId(), key.getDeviceId(), RegistryJson.write(device))
                .map(v -> OperationResult.ok(HttpURLConnection.HTTP_CREATED, Id.of(key.getDeviceId()), Optional.empty(), Optional.of(v)));
    }

    @Override
    protected Future<OperationResult<Device>> processReadDevice(DeviceKey key, Span span) {
        return store.readDevice(key.getTenantId(), key.getDeviceId()).compose(row -> row
                .map(r -> Future.succeededFuture(OperationResult.ok(HttpURLConnection.HTTP_OK,
                        RegistryJson.read(r.json(), Device.class), Optional.empty(), Optional.of(r.version()))))
                .orElseGet(() -> Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_NOT_FOUND,
                        "device " + key.getDeviceId() + " not found in tenant " + key.getTenantId()))));
    }

    @Override
    protected Future<OperationResult<Id>> processUpdateDevice(DeviceKey key, Device device, Optional<String> resourceVersion, Span span) {
        return store.updateDevice(key.getTenantId(), key.getDeviceId(), RegistryJson.write(device), resourceVersion)
                .map(v -> OperationResult.ok(HttpURLConnection.HTTP_NO_CONTENT, Id.of(key.getDeviceId()), Optional.empty(), Optional.of(v)));
    }

    @Override
    protected Future<Result<Void>> processDeleteDevice(DeviceKey key, Optional<String> resourceVersion, Span span) {
        return store.deleteDevice(key.getTenantId(), key.getDeviceId(), resourceVersion)
                .map(v -> Result.from(HttpURLConnection.HTTP_NO_CONTENT));
    }

    @Override
    protected Future<Result<Void>> processDeleteDevicesOfTenant(String tenantId, Span span) {
        return store.deleteDevicesOfTenant(tenantId).map(v -> Result.from(HttpURLConnection.HTTP_NO_CONTENT));
    }

    /**
     * Reads the tenant's partition and filters, sorts and pages in memory (see {@link Search}). A device is a
     * gateway when another device names it in {@code via}.
     */
    @Override
    protected Future<OperationResult<SearchResult<DeviceWithId>>> processSearchDevices(String tenantId, int pageSize,
            int pageOffset, List<Filter> filters, List<Sort> sortOptions, Optional<Boolean> isGateway, Span span) {
        return store.readDevices(tenantId).compose(rows -> {
            List<DeviceWithId> all = rows.stream()
                    .map(e -> DeviceWithId.from(e.getKey(), RegistryJson.read(e.getValue(), Device.class)))
                    .toList();
            Set<String> gateways = new HashSet<>();
            all.forEach(d -> Optional.ofNullable(d.getVia()).ifPresent(gateways::addAll));
            List<DeviceWithId> candidates = isGateway
                    .map(wanted -> all.stream().filter(d -> gateways.contains(d.getId()) == wanted).toList())
                    .orElse(all);
            SearchResult<DeviceWithId> result = Search.run(candidates, DeviceWithId::getId, pageSize, pageOffset, filters, sortOptions);
            if (result.getTotal() == 0) {
                return Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_NOT_FOUND,
                        "no devices of tenant " + tenantId + " match the search"));
            }
            return Future.succeededFuture(OperationResult.ok(HttpURLConnection.HTTP_OK, result, Optional.empty(), Optional.empty()));
        });
    }
}
