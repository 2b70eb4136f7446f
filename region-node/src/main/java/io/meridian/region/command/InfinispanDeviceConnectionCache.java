package io.meridian.region.command;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.HttpURLConnection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.eclipse.hono.client.ServerErrorException;
import org.eclipse.hono.deviceconnection.common.Cache;
import org.infinispan.commons.api.BasicCache;

/**
 * Hono's device connection cache (which adapter instance serves which device, and the last gateway a device
 * used) over an embedded Infinispan cache. Hono's own Infinispan binding, {@code client-device-connection-infinispan},
 * is not served (RUNTIME.md), so this is the one piece of glue between Hono's {@code CacheBasedDeviceConnectionInfo}
 * and Infinispan: each operation maps to Infinispan's asynchronous call.
 *
 * <p>The Infinispan cache is handed over when the router starts ({@link #use}); until then every operation
 * fails with a {@link ServerErrorException} 503, which Hono's router reports as "temporarily unavailable".
 */
final class InfinispanDeviceConnectionCache implements Cache<String, String> {

    private volatile BasicCache<String, String> cache;

    /** Starts serving from the given, started Infinispan cache. */
    void use(BasicCache<String, String> started) {
        this.cache = started;
    }

    /** Stops serving; later operations fail with 503. */
    void release() {
        this.cache = null;
    }

    private BasicCache<String, String> cache() {
        BasicCache<String, String> c = cache;
        if (c == null) {
            throw new ServerErrorException(HttpURLConnection.HTTP_UNAVAILABLE, "command routing state is not started");
        }
        return c;
    }

    private static <T> Future<T> unavailable(RuntimeException e) {
        return Future.failedFuture(e instanceof ServerErrorException ? e
                : new ServerErrorException(HttpURLConnection.HTTP_UNAVAILABLE, "command routing state unavailable", e));
    }

    /**
     * Infinispan completes on its own threads; Hono's router continues on the Vert.x context that called, so
     * the result is delivered there.
     */
    private static <T> Future<T> onCaller(CompletionStage<T> stage) {
        Context context = Vertx.currentContext();
        return context == null ? Future.fromCompletionStage(stage) : Future.fromCompletionStage(stage, context);
    }

    @Override
    public Future<JsonObject> checkForCacheAvailability() {
        return cache == null ? unavailable(new ServerErrorException(HttpURLConnection.HTTP_UNAVAILABLE, "command routing state is not started"))
                : Future.succeededFuture(new JsonObject());
    }

    @Override
    public Future<Void> put(String key, String value) {
        try {
            return onCaller(cache().putAsync(key, value)).mapEmpty();
        } catch (RuntimeException e) {
            return unavailable(e);
        }
    }

    @Override
    public Future<Void> put(String key, String value, long lifespan, TimeUnit unit) {
        try {
            return onCaller(cache().putAsync(key, value, lifespan, unit)).mapEmpty();
        } catch (RuntimeException e) {
            return unavailable(e);
        }
    }

    @Override
    public Future<Void> putAll(Map<? extends String, ? extends String> entries) {
        try {
            return onCaller(cache().putAllAsync(entries)).mapEmpty();
        } catch (RuntimeException e) {
            return unavailable(e);
        }
    }

    @Override
    public Future<Void> putAll(Map<? extends String, ? extends String> entries, long lifespan, TimeUnit unit) {
        try {
            return onCaller(cache().putAllAsync(entries, lifespan, unit)).mapEmpty();
        } catch (RuntimeException e) {
            return unavailable(e);
        }
    }

    @Override
    public Future<String> get(String key) {
        try {
            return onCaller(cache().getAsync(key));
        } catch (RuntimeException e) {
            return unavailable(e);
        }
    }

    @Override
    public Future<Boolean> remove(String key, String value) {
        try {
            return onCaller(cache().removeAsync(key, value));
        } catch (RuntimeException e) {
            return unavailable(e);
        }
    }

    @Override
    public Future<Map<String, String>> getAll(Set<? extends String> keys) {
        try {
            return onCaller(cache().getAllAsync(keys));
        } catch (RuntimeException e) {
            return unavailable(e);
        }
    }
}
