package io.meridian.regions;

import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.Set;

/**
 * Validates a parsed file against one of the bundled JSON Schemas (the files in
 * {@code region-configs/schema/}) and turns the first violation into a {@link RegionConfigException}.
 */
final class SchemaCheck {

    private final String name;
    private final JsonSchema schema;

    private SchemaCheck(String name, JsonSchema schema) {
        this.name = name;
        this.schema = schema;
    }

    /**
     * Loads a bundled schema by its base name, for example {@code region}.
     *
     * @throws IllegalStateException when the schema is not on the classpath (a broken build)
     */
    static SchemaCheck bundled(String name) {
        String resource = "schema/" + name + ".schema.json";
        try (InputStream in = SchemaCheck.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("schema " + resource + " must be on the classpath, was missing");
            }
            SchemaValidatorsConfig config = SchemaValidatorsConfig.builder()
                    .pathType(PathType.JSON_POINTER)
                    .formatAssertionsEnabled(true)
                    .build();
            JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in, config);
            return new SchemaCheck(name, schema);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read schema " + resource, e);
        }
    }

    /**
     * Validates a file.
     *
     * @throws RegionConfigException for the violation on the earliest line
     */
    void validate(ParsedYaml parsed) {
        Set<ValidationMessage> messages = schema.validate(parsed.root());
        if (messages.isEmpty()) {
            return;
        }
        ValidationMessage first = messages.stream()
                .min(Comparator.comparingInt((ValidationMessage m) -> parsed.lineOf(pathOf(m)))
                        .thenComparing(m -> pathOf(m)))
                .orElseThrow();
        String path = pathOf(first);
        throw parsed.error(path, describe(first) + " (schema " + name + ".schema.json)");
    }

    /** The path of the offending field: for unknown and missing keys, the key itself. */
    private static String pathOf(ValidationMessage m) {
        StringBuilder sb = new StringBuilder();
        JsonNodePath location = m.getInstanceLocation();
        for (int i = 0; i < location.getNameCount(); i++) {
            sb.append('/').append(location.getElement(i));
        }
        if (m.getProperty() != null && ("additionalProperties".equals(m.getType()) || "required".equals(m.getType()))) {
            sb.append('/').append(m.getProperty());
        }
        return sb.toString();
    }

    private static String describe(ValidationMessage m) {
        return switch (m.getType()) {
            case "additionalProperties" -> "is not a known key";
            case "required" -> "is required but missing";
            default -> {
                String text = m.getMessage();
                int colon = text.indexOf(": ");
                yield colon >= 0 ? text.substring(colon + 2) : text;
            }
        };
    }
}
