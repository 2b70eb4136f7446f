package io.meridian.gateway.routes.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.gateway.problem.GatewayProblem;
import io.meridian.gateway.problem.ProblemJson;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The web console's files at {@code /console/}, from the classpath under {@value #ROOT} (the {@code console} module's jar),
 * and {@code /console/config.json}, which tells the console where to sign in. No authentication: the files hold no data,
 * every number comes from the API with the user's token.
 *
 * <ul>
 *   <li>{@code GET /console} redirects (302) to {@code /console/}; {@code /console/} is {@code index.html};</li>
 *   <li>{@code index.html} is sent with {@code Cache-Control: no-cache}, so a new build is picked up at once;</li>
 *   <li>a path is a sequence of plain segments (letters, digits, {@code . _ -}, no segment starting with a dot), checked
 *       after percent-decoding, so {@code ..}, encoded slashes or backslashes never reach the class loader: 404;</li>
 *   <li>an unknown file: 404 problem+json.</li>
 * </ul>
 * A Vert.x route on the platform-http router, like the event stream: the files are not API operations.
 */
public final class ConsoleFiles {

    public static final String ROOT = "META-INF/meridian-console/";
    public static final String CLIENT_ID = "meridian-console";
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> TYPES = Map.ofEntries(Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"), Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"), Map.entry("json", "application/json"), Map.entry("map", "application/json"),
            Map.entry("svg", "image/svg+xml"), Map.entry("png", "image/png"), Map.entry("ico", "image/x-icon"),
            Map.entry("woff2", "font/woff2"), Map.entry("woff", "font/woff"), Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("webmanifest", "application/manifest+json"));

    private final String config;
    private final ClassLoader loader;
    /** The jar's files never change while the gateway runs; only files found are kept, so that probes cannot fill it. */
    private final ConcurrentHashMap<String, byte[]> files = new ConcurrentHashMap<>();

    public ConsoleFiles(GatewayConfig gateway) {
        Objects.requireNonNull(gateway, "gateway must not be null");
        ObjectNode c = JSON.createObjectNode();
        c.put("issuer", gateway.issuer().toString());
        c.put("clientId", CLIENT_ID);
        c.putObject("gateway").put("region", gateway.region().value()).put("jurisdiction", gateway.jurisdiction().code());
        this.config = c.toString();
        this.loader = ConsoleFiles.class.getClassLoader();
    }

    /** Adds the routes to the platform-http router. */
    public void install(Router router, Vertx vertx) {
        // Vert.x matches "/console" for "/console/" too: only the bare path is redirected
        router.get("/console").handler(ctx -> {
            if (ctx.request().path().equals("/console")) {
                ctx.response().setStatusCode(302).putHeader("Location", "/console/").end();
            } else {
                ctx.next();
            }
        });
        router.get("/console/config.json").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json")
                .putHeader("Cache-Control", "no-cache").end(config));
        router.get("/console/*").handler(ctx -> {
            Optional<String> name = name(ctx.request().path());
            if (name.isEmpty()) {
                notFound(ctx);
                return;
            }
            vertx.executeBlocking(() -> cached(name.get()), false).onComplete(r -> {
                if (r.failed() || r.result().isEmpty()) {
                    notFound(ctx);
                    return;
                }
                String file = name.get();
                String ext = file.substring(file.lastIndexOf('.') + 1);
                ctx.response().putHeader("Content-Type", TYPES.getOrDefault(ext, "application/octet-stream"))
                        .putHeader("X-Content-Type-Options", "nosniff").putHeader("Referrer-Policy", "no-referrer")
                        .putHeader("Cache-Control", file.endsWith(".html") ? "no-cache" : "max-age=300")
                        .end(Buffer.buffer(r.result().get()));
            });
        });
    }

    /**
     * The file a request path names, relative to {@value #ROOT}: {@code index.html} for {@code /console/} (and for any
     * path ending in a slash, the directory's index); empty when the path is not a plain sequence of segments.
     */
    static Optional<String> name(String path) {
        if (path == null || !path.startsWith("/console/")) {
            return Optional.empty();
        }
        String rest;
        try {
            rest = URLDecoder.decode(path.substring("/console/".length()).replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (rest.isEmpty() || rest.endsWith("/")) {
            rest = rest + "index.html";
        }
        for (String segment : rest.split("/", -1)) {
            if (!SEGMENT.matcher(segment).matches()) {
                return Optional.empty();
            }
        }
        return Optional.of(rest);
    }

    private Optional<byte[]> cached(String name) {
        byte[] held = files.get(name);
        if (held != null) {
            return Optional.of(held);
        }
        Optional<byte[]> read = read(name);
        read.ifPresent(bytes -> files.put(name, bytes));
        return read;
    }

    private Optional<byte[]> read(String name) {
        URL url = loader.getResource(ROOT + name);
        if (url == null) {
            return Optional.empty();
        }
        try {
            // a directory on a file: class path (tests, an IDE) is a resource too, but not a file
            if (url.getProtocol().equals("file") && !Files.isRegularFile(Path.of(url.toURI()))) {
                return Optional.empty();
            }
            try (InputStream in = url.openStream()) {
                return Optional.of(in.readAllBytes());
            }
        } catch (IOException | java.net.URISyntaxException e) {
            return Optional.empty();
        }
    }

    private static void notFound(RoutingContext ctx) {
        GatewayProblem p = GatewayProblem.of(404, "no console file at " + ctx.request().path());
        ctx.response().setStatusCode(404).putHeader("Content-Type", ProblemJson.MEDIA_TYPE).end(ProblemJson.render(p, ctx.request().path()));
    }
}
