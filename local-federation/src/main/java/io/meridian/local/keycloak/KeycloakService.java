package io.meridian.local.keycloak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.local.process.ProcessSpec;
import io.meridian.local.process.StateDirectory;
import io.meridian.local.service.ProcessBackedService;
import io.meridian.local.service.ServiceStartException;
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
import java.util.Set;
import java.util.TreeSet;

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
    /**
     * The realm as Keycloak imported it when it created its database, kept beside its home's {@code data/} (not in
     * {@code data/import/}, which Keycloak would import too), to tell a changed realm on a start with kept data.
     */
    static final String IMPORTED_REALM = "imported-realm.json";
    private static final ObjectMapper REALM_JSON = new ObjectMapper();

    private final KeycloakSettings settings;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(PROBE_TIMEOUT).build();
    private final ObjectMapper json = new ObjectMapper();

    /**
     * Creates the service; nothing starts until {@link #start(Duration)}, which returns once the realm's
     * discovery document is served with the expected issuer. With kept data an existing realm is left as
     * it is (Keycloak's import skips existing realms), so a start with kept data whose realm has changed since the data
     * was made (a region file added, a new template) fails at once and says to start with fresh data.
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
        String realm = MeridianRealm.render(settings.regions());
        Path imported = home.resolve(IMPORTED_REALM);
        Path importFile = home.resolve("data").resolve("import").resolve(MeridianRealm.REALM + "-realm.json");
        if (Files.isDirectory(home.resolve("data").resolve("h2"))) {
            // Keycloak imports a realm into an empty database only: a kept realm stays as it was first imported. Data
            // from before this record was kept has only the last import file to compare with
            Path was = Files.isRegularFile(imported) ? imported : importFile;
            if (Files.isRegularFile(was)) {
                String change;
                try {
                    change = realmChange(Files.readString(was, StandardCharsets.UTF_8), realm);
                } catch (IOException | ClassCastException e) {
                    throw new ServiceStartException(NAME + ": " + was + " must hold the realm this Keycloak imported, as JSON, but cannot"
                            + " be read (" + e.getMessage() + "). Start with fresh data: ./meridian up --fresh (this deletes the local"
                            + " federation's data in " + state().root() + ")", e);
                }
                if (change != null) {
                    throw new ServiceStartException(NAME + ": the " + MeridianRealm.REALM + " realm has changed since this Keycloak's data"
                            + " was made (" + change + "), and Keycloak does not import a realm over an existing one, so the change"
                            + " would not take effect. Start with fresh data: ./meridian up --fresh (this deletes the local"
                            + " federation's data in " + state().root() + ")");
                }
            }
        } else {
            // this start creates the database, so this realm is the one Keycloak imports
            Files.writeString(imported, realm, StandardCharsets.UTF_8);
        }
        Files.createDirectories(importFile.getParent());
        Files.writeString(importFile, realm, StandardCharsets.UTF_8);
    }

    /**
     * What differs between the realm Keycloak imported and the one it would import now: the clients added, removed or
     * changed (by client id, in any order), and whether anything else differs; null when nothing does.
     */
    static String realmChange(String imported, String now) throws IOException {
        ObjectNode was = (ObjectNode) REALM_JSON.readTree(imported);
        ObjectNode is = (ObjectNode) REALM_JSON.readTree(now);
        Map<String, JsonNode> before = clients(was);
        Map<String, JsonNode> after = clients(is);
        Set<String> added = new TreeSet<>(after.keySet());
        added.removeAll(before.keySet());
        Set<String> removed = new TreeSet<>(before.keySet());
        removed.removeAll(after.keySet());
        Set<String> changed = new TreeSet<>();
        after.forEach((id, client) -> {
            if (before.containsKey(id) && !before.get(id).equals(client)) {
                changed.add(id);
            }
        });
        was.remove("clients");
        is.remove("clients");
        List<String> parts = new java.util.ArrayList<>();
        if (!added.isEmpty()) {
            parts.add("clients added: " + String.join(", ", added));
        }
        if (!removed.isEmpty()) {
            parts.add("clients removed: " + String.join(", ", removed));
        }
        if (!changed.isEmpty()) {
            parts.add("clients changed: " + String.join(", ", changed));
        }
        if (!was.equals(is)) {
            parts.add("roles, users or realm settings changed");
        }
        return parts.isEmpty() ? null : String.join("; ", parts);
    }

    private static Map<String, JsonNode> clients(JsonNode realm) {
        Map<String, JsonNode> clients = new java.util.TreeMap<>();
        realm.path("clients").forEach(c -> clients.put(c.path("clientId").asText(), c));
        return clients;
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
