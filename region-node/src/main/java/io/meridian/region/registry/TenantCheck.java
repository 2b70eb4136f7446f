package io.meridian.region.registry;

import io.vertx.core.json.JsonObject;
import java.util.Optional;

/**
 * A check the registry applies to every tenant it is asked to create or update, beyond Hono's own: the node's
 * data side reads its settings from the tenant's {@code ext} (payload mapping, retention, export policy), and a
 * setting it could not use is refused at once with 400, rather than discovered later in the ingest.
 */
@FunctionalInterface
public interface TenantCheck {

    /** Accepts every tenant. */
    TenantCheck NONE = (tenantId, document) -> Optional.empty();

    /**
     * @param document the tenant as Hono's management JSON
     * @return why the tenant cannot be accepted, naming the setting; empty when it can
     */
    Optional<String> problem(String tenantId, JsonObject document);
}
