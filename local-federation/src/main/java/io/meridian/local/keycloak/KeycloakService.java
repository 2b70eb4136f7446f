package io.meridian.local.keycloak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.local.process.ProcessSpec;
import io.meridian.local.process.StateDirectory;
import io.meridian.local.service.ProcessBackedService;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Keycloak in development mode ({@code kc.sh start-dev}) as a child process on 127.0.0.1, with the
 * {@value MeridianRealm#REALM} realm imported at start.
 *
 * <p>The distribution stays read-only apart from Quarkus' build cache in its {@code lib/quarkus/}, which
 * the first start writes (30-70 s) and later starts reuse. Each service runs from its own Keycloak home in
 * the state directory's {@code data/keycloak/}: a copy of {@code bin/kc.sh}, links to the distribution's
 * {@code lib}, {@code conf}, {@code providers} and {@code themes}, and its own {@code data/} (the H2
 * database and {@code data/import/}, where the rendered realm is written). {@code kc.sh} takes its home
 * from its own location, so this home, not the distribution, holds all state. Fresh data wipes that home.
 *
 * <p>Readiness is the realm's OpenID discovery document served with the expected issuer. Always use host
 * {@value #HOST}: Keycloak derives the token issuer from the request's host.
 */
public final class KeycloakService extends ProcessBackedService {

    /** The service name, also its PID and log file name. */
    public static final String NAME = "keycloak";
    /** The host every URL of this service uses. */
    public static final String HOST = "127.0.0.1";

    private static final Duration STOP_GRACE = Duration.ofSeconds(20);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);
    private static final List<String> LINKED = List.of("lib", "conf", "providers", "themes");

    private final KeycloakSettings settings;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(PROBE_TIMEOUT).build();
    private final ObjectMapper json = new ObjectMapper();

    /**
     * Creates the service; nothing starts until {@link #start(Duration)}, which returns once the realm's
     * discovery document is served with the expected issuer. With kept data an existing realm is left as
     * it is (Keycloak's import skips existing realms), so a changed realm template needs fresh data.
     *
     * @param state    where the PID file, the log and Keycloak's home go; not null
     * @param settings how to run it; not null
     */
    public KeycloakService(StateDirectory state, KeycloakSettings settings) {
        super(NAME, state);
        this.settings = Objects.requireNonNull(settings, "settings must not be null");
    }

    public KeycloakSettings settings() {
        return settings;
    }

    /** {@code http://127.0.0.1:<port>}. */
    public URI baseUri() {
        return URI.create("http://" + HOST + ":" + settings.httpPort());
    }

    /** The issuer of the realm's tokens, {@code http://127.0.0.1:<port>/realms/meridian}. */
    public URI issuer() {
        return URI.create(baseUri() + "/realms/" + MeridianRealm.REALM);
    }

    /** The realm's token endpoint. */
    public URI tokenEndpoint() {
        return URI.create(issuer() + "/protocol/openid-connect/token");
    }

    /** The realm's discovery document, whose answer is the readiness probe. */
    public URI discoveryDocument() {
        return URI.create(issuer() + "/.well-known/openid-configuration");
    }

    /** The Keycloak home this service runs from. */
    public Path home() {
        return state().root().resolve("data").resolve(NAME);
    }


    /**
     * {@code http}, {@code issuer}, {@code token} and {@code admin-console}. The admin console's user and
     * password are in {@link #settings()}.
     */
    @Override
    public Map<String, String> endpoints() {
        Map<String, String> endpoints = new LinkedHashMap<>();
        endpoints.put("http", baseUri().toString());
        endpoints.put("issuer", issuer().toString());
        endpoints.put("token", tokenEndpoint().toString());
        endpoints.put("admin-console", baseUri() + "/admin/");
        return endpoints;
    }

    /** Lays out the per-instance Keycloak home and writes the rendered realm into its import directory. */
    @Override
    protected void prepare() throws IOException {
        if (settings.freshData()) {
            state().wipeData(NAME);
        }
        Path home = state().dataDirectory(NAME);
        Path dist = settings.distribution().toAbsolutePath().normalize();
        Path bin = Files.createDirectories(home.resolve("bin"));
        // A copy, not a link: kc.sh resolves its own path with readlink -f to find its home.
        Files.copy(dist.resolve("bin").resolve("kc.sh"), bin.resolve("kc.sh"),
                StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        if (!bin.resolve("kc.sh").toFile().setExecutable(true)) {
            throw new IOException("could not make " + bin.resolve("kc.sh") + " executable");
        }
        for (String dir : LINKED) {
            Path link = home.resolve(dir);
            if (Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(link);
            }
            Files.createSymbolicLink(link, dist.resolve(dir));
        }
        Path imports = Files.createDirectories(home.resolve("data").resolve("import"));
        Files.writeString(imports.resolve(MeridianRealm.REALM + "-realm.json"),
                MeridianRealm.render(settings.regions()), StandardCharsets.UTF_8);
    }

    @Override
    protected ProcessSpec processSpec() {
        Path home = home();
        List<String> command = List.of(
                home.resolve("bin").resolve("kc.sh").toString(),
                "start-dev",
                "--http-host=" + HOST,
                "--http-port=" + settings.httpPort(),
                "--import-realm");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KC_BOOTSTRAP_ADMIN_USERNAME", settings.adminUser());
        env.put("KC_BOOTSTRAP_ADMIN_PASSWORD", settings.adminPassword());
        return new ProcessSpec(NAME, command, home, env);
    }

    @Override
    protected List<Integer> ports() {
        return List.of(settings.httpPort());
    }

    /** The discovery document is served, and names the issuer that clients of 127.0.0.1 expect. */
    @Override
    protected boolean probe() throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(discoveryDocument()).timeout(PROBE_TIMEOUT).GET().build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            return false;
        }
        JsonNode doc = json.readTree(response.body());
        String issuer = doc.path("issuer").asText();
        if (!issuer().toString().equals(issuer)) {
            throw new IllegalStateException("discovery document must name issuer " + issuer() + ", was " + issuer);
        }
        return true;
    }

    /** kc.sh forwards SIGTERM to its Java child; both get SIGKILL after 20 s. */
    @Override
    protected Duration stopGrace() {
        return STOP_GRACE;
    }
}
