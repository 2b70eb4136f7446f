package io.meridian.region.registry;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;
import org.eclipse.hono.deviceregistry.util.DeviceRegistryUtils;
import org.eclipse.hono.service.management.device.Device;
import org.eclipse.hono.service.management.tenant.Tenant;
import org.eclipse.hono.util.CredentialsObject;
import org.eclipse.hono.util.RegistrationAssertion;
import org.eclipse.hono.util.TenantObject;

/** How the stored management documents read as the Tenant, Registration and Credentials API objects. */
final class AdapterViews {

    private AdapterViews() {
    }

    /**
     * The Tenant API view of a stored tenant, disabled or not, through Hono's own conversion of the management
     * model: its enabled flag, per-adapter settings, resource limits (such as {@code max-connections}) and the
     * trusted CAs that are valid now, which X.509 client authentication uses as trust anchors.
     *
     * @throws IllegalStateException when the stored document cannot be read as a tenant
     */
    static TenantObject tenantObject(String tenantId, String tenantJson) {
        Tenant tenant = RegistryJson.read(tenantJson, Tenant.class);
        try {
            return DeviceRegistryUtils.convertTenant(tenantId, tenant, true).mapTo(TenantObject.class);
        } catch (RuntimeException e) {
            throw new IllegalStateException("stored tenant " + tenantId + " cannot be read as a Tenant API object: " + e.getMessage(), e);
        }
    }

    /**
     * The registration assertion of a stored device, empty when the device is disabled. It names the gateways the
     * device lists in {@code via}, which Hono's command router uses to reach a device through its gateway
     * ({@code viaGroups} are not resolved yet).
     */
    static Optional<RegistrationAssertion> assertion(String deviceId, String deviceJson) {
        Device device = RegistryJson.read(deviceJson, Device.class);
        if (!device.isEnabled()) {
            return Optional.empty();
        }
        RegistrationAssertion assertion = new RegistrationAssertion(deviceId);
        if (device.getVia() != null && !device.getVia().isEmpty()) {
            assertion.setAuthorizedGateways(List.copyOf(device.getVia()));
        }
        return Optional.of(assertion);
    }

    /**
     * The registration assertion of a device for a gateway that acts on its behalf, empty when the device
     * names the gateway neither in {@code via} nor through one of the gateway's groups in {@code viaGroups}.
     * The assertion lists the device's {@code via} gateways, as Hono's registration service does.
     */
    static Optional<RegistrationAssertion> gatewayAssertion(String deviceId, String deviceJson, String gatewayId, String gatewayJson) {
        Device device = RegistryJson.read(deviceJson, Device.class);
        Device gateway = RegistryJson.read(gatewayJson, Device.class);
        List<String> via = device.getVia() == null ? List.of() : device.getVia();
        List<String> viaGroups = device.getViaGroups() == null ? List.of() : device.getViaGroups();
        List<String> memberOf = gateway.getMemberOf() == null ? List.of() : gateway.getMemberOf();
        if (!via.contains(gatewayId) && viaGroups.stream().noneMatch(memberOf::contains)) {
            return Optional.empty();
        }
        return Optional.of(new RegistrationAssertion(deviceId).setAuthorizedGateways(via));
    }

    /**
     * The Credentials API view of one stored credential: its enabled secrets (hashes, never passwords).
     * Empty when the credential is disabled or has no enabled secret.
     *
     * @param credentialJson the {@code credential} column of {@code credentials_by_auth_id}
     */
    static Optional<CredentialsObject> credentials(String deviceId, String credentialJson) {
        // stored as a one-element list, in the polymorphic form of the management model (RegistryJson)
        JsonArray list = new JsonArray(credentialJson);
        if (list.size() != 1) {
            throw new IllegalStateException("a stored auth-id credential must be a list of one, was " + list.size() + " long");
        }
        JsonObject stored = list.getJsonObject(0);
        if (Boolean.FALSE.equals(stored.getBoolean("enabled"))) {
            return Optional.empty();
        }
        CredentialsObject result = new CredentialsObject(deviceId, stored.getString("auth-id"), stored.getString("type"));
        JsonArray secrets = stored.getJsonArray("secrets", new JsonArray());
        for (int i = 0; i < secrets.size(); i++) {
            JsonObject secret = secrets.getJsonObject(i);
            if (!Boolean.FALSE.equals(secret.getBoolean("enabled"))) {
                result.addSecret(secret.copy());
            }
        }
        return result.getSecrets() == null || result.getSecrets().isEmpty() ? Optional.empty() : Optional.of(result);
    }
}
