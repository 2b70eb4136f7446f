package io.meridian.regions;

import com.fasterxml.jackson.databind.JsonNode;
import io.meridian.policy.model.GeoPoint;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.PolicyDefaults;
import io.meridian.policy.model.RegionId;
import io.meridian.policy.model.TransferBasis;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Reads a region-configs directory: schema validation of every file first, then the checks a schema
 * cannot express (file name equals id, known jurisdictions, complete and unique transfer table,
 * non-overlapping port blocks). The first problem stops loading with a {@link RegionConfigException}.
 */
final class RegionConfigLoader {

    static final String REGIONS_DIR = "regions";
    static final String JURISDICTIONS_FILE = "jurisdictions.yaml";
    static final String DEFAULTS_FILE = "policy-defaults.yaml";
    static final String LOCAL_SERVICES_FILE = "local-services.yaml";

    private final SchemaCheck regionSchema = SchemaCheck.bundled("region");
    private final SchemaCheck jurisdictionsSchema = SchemaCheck.bundled("jurisdictions");
    private final SchemaCheck defaultsSchema = SchemaCheck.bundled("policy-defaults");
    private final SchemaCheck localServicesSchema = SchemaCheck.bundled("local-services");

    RegionConfigs load(Path directory) {
        Objects.requireNonNull(directory, "directory must not be null");
        Path dir = directory.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new RegionConfigException(dir, 0, "", "region-configs directory must exist");
        }

        ParsedYaml jurisdictionsFile = readValid(dir.resolve(JURISDICTIONS_FILE), jurisdictionsSchema);
        Map<Jurisdiction, JurisdictionConfig> jurisdictions = jurisdictions(jurisdictionsFile);
        List<TransferFact> transfers = transfers(jurisdictionsFile, jurisdictions);

        ParsedYaml defaultsFile = readValid(dir.resolve(DEFAULTS_FILE), defaultsSchema);
        PolicyDefaults policyDefaults = policyDefaults(defaultsFile);
        TenantDefaults tenantDefaults = tenantDefaults(defaultsFile);

        ParsedYaml localFile = readValid(dir.resolve(LOCAL_SERVICES_FILE), localServicesSchema);
        LocalServices localServices = localServices(localFile);

        List<RegionConfig> regions = new ArrayList<>();
        Map<RegionConfig, ParsedYaml> sources = new LinkedHashMap<>();
        for (Path file : regionFiles(dir.resolve(REGIONS_DIR))) {
            ParsedYaml parsed = readValid(file, regionSchema);
            RegionConfig region = region(parsed, jurisdictions);
            regions.add(region);
            sources.put(region, parsed);
        }
        checkPortBlocks(sources, localFile, localServices);
        checkDefaultRegions(regions, localFile, localServices);
        regions.sort(Comparator.comparing(RegionConfig::id));

        String disclaimer = jurisdictionsFile.root().get("disclaimer").asText();
        try {
            return new RegionConfigs(dir, regions, List.copyOf(jurisdictions.values()), transfers, disclaimer,
                    policyDefaults, tenantDefaults, localServices);
        } catch (IllegalArgumentException e) {
            // Cross-file consistency that PolicyRules checks again; reaching here means a loader gap.
            throw new RegionConfigException(dir, 0, "", e.getMessage(), e);
        }
    }

    private static ParsedYaml readValid(Path file, SchemaCheck schema) {
        if (!Files.isRegularFile(file)) {
            throw new RegionConfigException(file, 0, "", "file must exist, was missing");
        }
        ParsedYaml parsed = ParsedYaml.read(file);
        schema.validate(parsed);
        return parsed;
    }

    private static List<Path> regionFiles(Path regionsDir) {
        if (!Files.isDirectory(regionsDir)) {
            throw new RegionConfigException(regionsDir, 0, "", "directory of region files must exist, was missing");
        }
        List<Path> files = new ArrayList<>();
        try (Stream<Path> entries = Files.list(regionsDir)) {
            for (Path p : (Iterable<Path>) entries.sorted()::iterator) {
                String name = p.getFileName().toString();
                if (name.startsWith(".")) {
                    continue;
                }
                if (!name.endsWith(".yaml") || !Files.isRegularFile(p)) {
                    throw new RegionConfigException(p, 0, "",
                            "only <region-id>.yaml files belong in " + regionsDir + ", found " + name);
                }
                files.add(p);
            }
        } catch (IOException e) {
            throw new RegionConfigException(regionsDir, 0, "", "cannot be listed: " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new RegionConfigException(regionsDir, 0, "", "must hold at least one region file, held none");
        }
        return files;
    }

    private static Map<Jurisdiction, JurisdictionConfig> jurisdictions(ParsedYaml file) {
        Map<Jurisdiction, JurisdictionConfig> result = new LinkedHashMap<>();
        Map<Jurisdiction, Integer> firstIndex = new HashMap<>();
        JsonNode list = file.root().get("jurisdictions");
        for (int i = 0; i < list.size(); i++) {
            JsonNode j = list.get(i);
            String path = "/jurisdictions/" + i;
            Jurisdiction code = Jurisdiction.of(j.get("code").asText());
            if (firstIndex.containsKey(code)) {
                throw file.error(path + "/code", "duplicate jurisdiction id " + code
                        + "; it was first defined on line " + file.lineOf("/jurisdictions/" + firstIndex.get(code) + "/code"));
            }
            firstIndex.put(code, i);
            result.put(code, new JurisdictionConfig(code, j.get("name").asText(), j.get("law").asText(),
                    j.get("source").asText(), date(file, path + "/asOf", j.get("asOf").asText())));
        }
        return result;
    }

    private static List<TransferFact> transfers(ParsedYaml file, Map<Jurisdiction, JurisdictionConfig> known) {
        List<TransferFact> result = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        JsonNode list = file.root().get("transfers");
        for (int i = 0; i < list.size(); i++) {
            JsonNode t = list.get(i);
            String path = "/transfers/" + i;
            Jurisdiction from = knownJurisdiction(file, path + "/from", t.get("from").asText(), known);
            Jurisdiction to = knownJurisdiction(file, path + "/to", t.get("to").asText(), known);
            if (from.equals(to)) {
                throw file.error(path + "/to", "a transfer must go to another jurisdiction, was " + from + " -> " + to);
            }
            String pair = from + "->" + to;
            if (seen.containsKey(pair)) {
                throw file.error(path, "duplicate transfer " + from + " -> " + to
                        + "; it was first given on line " + file.lineOf("/transfers/" + seen.get(pair)));
            }
            seen.put(pair, i);
            result.add(new TransferFact(from, to, TransferBasis.valueOf(t.get("basis").asText()),
                    t.get("source").asText(), date(file, path + "/asOf", t.get("asOf").asText()),
                    t.has("note") ? t.get("note").asText() : ""));
        }
        for (Jurisdiction from : known.keySet()) {
            for (Jurisdiction to : known.keySet()) {
                if (!from.equals(to) && !seen.containsKey(from + "->" + to)) {
                    throw file.error("/transfers", "must give a basis for every pair of jurisdictions, missing "
                            + from + " -> " + to);
                }
            }
        }
        return result;
    }

    private static Jurisdiction knownJurisdiction(
            ParsedYaml file, String path, String code, Map<Jurisdiction, JurisdictionConfig> known) {
        Jurisdiction j = Jurisdiction.of(code);
        if (!known.containsKey(j)) {
            throw file.error(path, "references unknown jurisdiction " + code + "; known are " + known.keySet());
        }
        return j;
    }

    private static LocalDate date(ParsedYaml file, String path, String text) {
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            throw file.error(path, "must be a date YYYY-MM-DD, was " + text);
        }
    }

    private static Duration duration(ParsedYaml file, String path, String text) {
        try {
            return Duration.parse(text);
        } catch (DateTimeParseException e) {
            throw file.error(path, "must be an ISO-8601 duration such as PT15M, was " + text);
        }
    }

    private static PolicyDefaults policyDefaults(ParsedYaml file) {
        JsonNode a = file.root().get("aggregateExport");
        try {
            return new PolicyDefaults(a.get("minDistinctDevices").asInt(),
                    duration(file, "/aggregateExport/minWindow", a.get("minWindow").asText()),
                    a.get("maxGeohashPrecision").asInt());
        } catch (IllegalArgumentException e) {
            throw file.error("/aggregateExport", e.getMessage());
        }
    }

    private static TenantDefaults tenantDefaults(ParsedYaml file) {
        JsonNode t = file.root().get("tenantDefaults");
        return new TenantDefaults(t.get("allocation").asText(),
                duration(file, "/tenantDefaults/retention", t.get("retention").asText()));
    }

    private static LocalServices localServices(ParsedYaml file) {
        JsonNode p = file.root().get("ports");
        List<RegionId> defaultRegions = new ArrayList<>();
        file.root().get("up").get("defaultRegions").forEach(r -> defaultRegions.add(RegionId.of(r.asText())));
        LocalServices services = new LocalServices(p.get("keycloak").asInt(), p.get("catalog").asInt(),
                p.get("s3").asInt(), p.get("kinesis").asInt(), defaultRegions);
        Map<Integer, String> used = new HashMap<>();
        for (String name : List.of("keycloak", "catalog", "s3", "kinesis")) {
            String other = used.put(p.get(name).asInt(), name);
            if (other != null) {
                throw file.error("/ports/" + name, "port " + p.get(name).asInt() + " is already taken by " + other);
            }
        }
        return services;
    }

    private static RegionConfig region(ParsedYaml file, Map<Jurisdiction, JurisdictionConfig> jurisdictions) {
        JsonNode r = file.root();
        String id = r.get("id").asText();
        String expected = file.file().getFileName().toString().replaceFirst("\\.yaml$", "");
        if (!id.equals(expected)) {
            throw file.error("/id", "must equal the file name " + expected + ", was " + id);
        }
        Jurisdiction jurisdiction = knownJurisdiction(file, "/jurisdiction", r.get("jurisdiction").asText(), jurisdictions);
        JsonNode c = r.get("coordinates");
        JsonNode e = r.get("endpoints");
        Endpoints endpoints = new Endpoints(e.get("mqtt").get("host").asText(), e.get("mqtt").get("port").asInt(),
                uri(file, "/endpoints/http", e.get("http").asText()),
                uri(file, "/endpoints/api", e.get("api").asText()),
                uri(file, "/endpoints/gateway", e.get("gateway").asText()));
        return new RegionConfig(RegionId.of(id), r.get("displayName").asText(), r.get("city").asText(),
                r.get("country").asText(), GeoPoint.of(c.get("latitude").asDouble(), c.get("longitude").asDouble()),
                jurisdiction, r.get("cloud").get("region").asText(), r.get("weight").asInt(),
                new LocalPorts(r.get("localPorts").get("base").asInt()), endpoints);
    }

    private static URI uri(ParsedYaml file, String path, String text) {
        try {
            URI uri = new URI(text);
            if (uri.getHost() == null) {
                throw file.error(path, "must be an absolute URI with a host, was " + text);
            }
            return uri;
        } catch (java.net.URISyntaxException ex) {
            throw file.error(path, "must be a valid URI, was " + text);
        }
    }

    private static void checkDefaultRegions(List<RegionConfig> regions, ParsedYaml localFile, LocalServices local) {
        List<RegionId> known = regions.stream().map(RegionConfig::id).sorted().toList();
        for (int i = 0; i < local.defaultRegions().size(); i++) {
            RegionId id = local.defaultRegions().get(i);
            if (!known.contains(id)) {
                throw localFile.error("/up/defaultRegions/" + i, "names region " + id
                        + ", which has no file in regions/; known are " + known);
            }
        }
    }

    private static void checkPortBlocks(Map<RegionConfig, ParsedYaml> sources, ParsedYaml localFile, LocalServices local) {
        List<RegionConfig> regions = new ArrayList<>(sources.keySet());
        for (int i = 0; i < regions.size(); i++) {
            RegionConfig a = regions.get(i);
            for (int j = i + 1; j < regions.size(); j++) {
                RegionConfig b = regions.get(j);
                if (a.localPorts().overlaps(b.localPorts())) {
                    ParsedYaml file = sources.get(b);
                    throw file.error("/localPorts/base", "port block " + b.localPorts().base() + "-"
                            + (b.localPorts().base() + LocalPorts.BLOCK_SIZE - 1) + " overlaps the block of region "
                            + a.id() + " (" + sources.get(a).file() + ":" + sources.get(a).lineOf("/localPorts/base")
                            + ", " + a.localPorts().base() + "-" + (a.localPorts().base() + LocalPorts.BLOCK_SIZE - 1) + ")");
                }
            }
            Map<String, Integer> globals = Map.of("keycloak", local.keycloak(), "catalog", local.catalog(),
                    "s3", local.s3(), "kinesis", local.kinesis());
            for (Map.Entry<String, Integer> g : globals.entrySet()) {
                if (a.localPorts().contains(g.getValue())) {
                    throw localFile.error("/ports/" + g.getKey(), "port " + g.getValue()
                            + " lies inside the port block of region " + a.id() + " (" + sources.get(a).file() + ")");
                }
            }
        }
    }
}
