package io.meridian.load;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Creates the load tenant and its devices through the region's Device Registry Management API, as the
 * catalog's service client. Each device gets a {@code hashed-password} credential hashed with salted
 * SHA-256 here, not bcrypt, so that connecting thousands of devices measures the adapter, not bcrypt.
 */
final class Registrar {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern ACCESS_TOKEN = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"");

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final URI registry;
    private final String token;

    private Registrar(URI registry, String token) {
        this.registry = registry;
        this.token = token;
    }

    /** Gets a catalog token (client credentials) from Keycloak's token endpoint. */
    static Registrar login(URI registry, URI tokenEndpoint, String clientId, String secret) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        String form = "grant_type=client_credentials&client_id=" + URLEncoder.encode(clientId, StandardCharsets.UTF_8)
                + "&client_secret=" + URLEncoder.encode(secret, StandardCharsets.UTF_8);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(tokenEndpoint).timeout(TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher m = ACCESS_TOKEN.matcher(r.body());
        if (r.statusCode() != 200 || !m.find()) {
            throw new IllegalStateException("Keycloak at " + tokenEndpoint + " gave no token for client " + clientId + ": "
                    + r.statusCode() + " " + r.body());
        }
        return new Registrar(registry, m.group(1));
    }

    void createTenant(String tenant) throws IOException, InterruptedException {
        createTenant(tenant, "{\"enabled\": true}");
    }

    /** Creates the tenant with the given Hono Tenant JSON; an existing tenant is left as it is. */
    void createTenant(String tenant, String json) throws IOException, InterruptedException {
        HttpResponse<String> r = send("POST", "/v1/tenants/" + tenant, json).join();
        if (r.statusCode() != 201 && r.statusCode() != 409) {
            throw new IllegalStateException("creating tenant " + tenant + " answered " + r.statusCode() + " " + r.body());
        }
    }

    /** Registers the devices, {@code parallel} requests at a time; each device's auth-id is its id. */
    void registerDevices(String tenant, List<String> deviceIds, String password, int parallel) throws InterruptedException {
        Semaphore permits = new Semaphore(parallel);
        CompletableFuture<?>[] all = new CompletableFuture<?>[deviceIds.size()];
        for (int i = 0; i < deviceIds.size(); i++) {
            String device = deviceIds.get(i);
            permits.acquire();
            all[i] = send("POST", "/v1/devices/" + tenant + "/" + device, "{\"enabled\": true}")
                    .thenCompose(r -> expect(r, "device " + device, 201, 409)
                            .send("PUT", "/v1/credentials/" + tenant + "/" + device, credentials(device, password)))
                    .thenAccept(r -> expect(r, "credentials of " + device, 204, 204))
                    .whenComplete((v, t) -> permits.release());
        }
        CompletableFuture.allOf(all).join();
    }

    private Registrar expect(HttpResponse<String> r, String what, int ok, int alsoOk) {
        if (r.statusCode() != ok && r.statusCode() != alsoOk) {
            throw new IllegalStateException("registering " + what + " answered " + r.statusCode() + " " + r.body());
        }
        return this;
    }

    /** A hashed-password credential as Hono defines sha-256: Base64(SHA-256(salt bytes + UTF-8 password)). */
    static String credentials(String authId, String password) {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(salt);
            byte[] hash = sha.digest(password.getBytes(StandardCharsets.UTF_8));
            Base64.Encoder b64 = Base64.getEncoder();
            return "[{\"type\": \"hashed-password\", \"auth-id\": \"" + authId + "\", \"secrets\": [{\"hash-function\": \"sha-256\", "
                    + "\"pwd-hash\": \"" + b64.encodeToString(hash) + "\", \"salt\": \"" + b64.encodeToString(salt) + "\"}]}]";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    private CompletableFuture<HttpResponse<String>> send(String method, String path, String json) {
        return http.sendAsync(HttpRequest.newBuilder(registry.resolve(path)).timeout(TIMEOUT)
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
