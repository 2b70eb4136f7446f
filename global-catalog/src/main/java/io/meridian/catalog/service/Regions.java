package io.meridian.catalog.service;

import io.meridian.policy.model.RegionId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * What the catalog's services need of the regions: which are down, what to tell a device about a region, and
 * calls to a region's registry (Hono's Device Registry Management API). {@code CatalogRegions} implements it over
 * the region directory and the registry client; unit tests use a fake.
 */
public interface Regions {

    /** The regions that are down now (allocation skips them). */
    Set<RegionId> down();

    /** What a device is told about its region at bootstrap. */
    DeviceEndpoints endpoints(RegionId region);

    /** Creates or replaces a tenant in a region's registry (idempotent). */
    CompletionStage<Void> upsertTenant(RegionId region, String tenantId, JsonObject honoTenant);

    /** Creates a device; completes with false when the registry already has it. */
    CompletionStage<Boolean> createDevice(RegionId region, String tenantId, String deviceId, JsonObject device);

    /** Replaces a device's credentials. */
    CompletionStage<Void> setCredentials(RegionId region, String tenantId, String deviceId, JsonArray credentials);

    /** Deletes a device; a device that is not there counts as deleted. */
    CompletionStage<Void> deleteDevice(RegionId region, String tenantId, String deviceId);

    /**
     * A device-facing description of a region's endpoints.
     *
     * @param caPem the CA that signs the region's TLS certificates, when the region has its own
     */
    record DeviceEndpoints(String mqttHost, OptionalInt mqttPort, int mqttTlsPort, String httpAdapter, Optional<String> caPem) {
        public JsonObject toJson() {
            JsonObject mqtt = new JsonObject().put("host", mqttHost).put("tls-port", mqttTlsPort);
            mqttPort.ifPresent(p -> mqtt.put("port", p));
            JsonObject out = new JsonObject().put("mqtt", mqtt).put("http", new JsonObject().put("url", httpAdapter));
            caPem.ifPresent(ca -> out.put("tls", new JsonObject().put("ca-pem", ca)));
            return out;
        }
    }

    /**
     * A call to a region that failed.
     *
     * @param status the registry's HTTP status; empty when the region could not be reached
     */
    final class RegionCallException extends RuntimeException {
        private final RegionId region;
        private final OptionalInt status;

        public RegionCallException(RegionId region, OptionalInt status, String message, Throwable cause) {
            super(message, cause);
            this.region = region;
            this.status = status;
        }

        public RegionId region() {
            return region;
        }

        public OptionalInt status() {
            return status;
        }

        public boolean unreachable() {
            return status.isEmpty();
        }
    }
}
