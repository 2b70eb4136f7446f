package io.meridian.regions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * A YAML file turned into a JSON tree, remembering the line of every field so that errors can name it.
 * Keys are JSON-pointer-like paths ({@code /coordinates/latitude}, {@code /transfers/3/basis}); the
 * root is the empty string.
 */
final class ParsedYaml {

    private static final long MAX_FILE_BYTES = 1 << 20;

    private final Path file;
    private final JsonNode root;
    private final Map<String, Integer> lines;

    private ParsedYaml(Path file, JsonNode root, Map<String, Integer> lines) {
        this.file = file;
        this.root = root;
        this.lines = lines;
    }

    /**
     * Reads and parses one file.
     *
     * @throws RegionConfigException for unreadable files, YAML syntax errors, duplicate keys and
     *                               non-mapping documents, naming the file and line
     */
    static ParsedYaml read(Path file) {
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new RegionConfigException(file, 0, "", "file must be at most 1 MiB, was " + Files.size(file) + " bytes");
            }
        } catch (IOException e) {
            throw new RegionConfigException(file, 0, "", "cannot be read: " + e.getMessage(), e);
        }
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(20);
        Yaml yaml = new Yaml(new SafeConstructor(options));
        Node node;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            node = yaml.compose(reader);
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            int line = mark == null ? 0 : mark.getLine() + 1;
            throw new RegionConfigException(file, line, "", "is not valid YAML: " + e.getProblem(), e);
        } catch (YAMLException | IOException e) {
            throw new RegionConfigException(file, 0, "", "is not valid YAML: " + e.getMessage(), e);
        }
        if (node == null) {
            throw new RegionConfigException(file, 1, "", "must hold a YAML mapping, was empty");
        }
        if (!(node instanceof MappingNode)) {
            throw new RegionConfigException(file, line(node), "", "must hold a YAML mapping at the top, was a " + node.getNodeId());
        }
        Map<String, Integer> lines = new HashMap<>();
        JsonNode root = convert(file, node, "", lines);
        return new ParsedYaml(file, root, lines);
    }

    private static JsonNode convert(Path file, Node node, String path, Map<String, Integer> lines) {
        lines.putIfAbsent(path, line(node));
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (node instanceof MappingNode mapping) {
            ObjectNode object = f.objectNode();
            for (NodeTuple tuple : mapping.getValue()) {
                if (!(tuple.getKeyNode() instanceof ScalarNode keyNode)) {
                    throw new RegionConfigException(file, line(tuple.getKeyNode()), dotted(path), "keys must be plain words");
                }
                String key = keyNode.getValue();
                String child = path + "/" + key;
                if (object.has(key)) {
                    throw new RegionConfigException(file, line(keyNode), dotted(child),
                            "is a duplicate key; it was first given on line " + lines.get(child));
                }
                lines.put(child, line(keyNode));
                object.set(key, convert(file, tuple.getValueNode(), child, lines));
            }
            return object;
        }
        if (node instanceof SequenceNode sequence) {
            ArrayNode array = f.arrayNode();
            int i = 0;
            for (Node item : sequence.getValue()) {
                array.add(convert(file, item, path + "/" + i, lines));
                i++;
            }
            return array;
        }
        ScalarNode scalar = (ScalarNode) node;
        String text = scalar.getValue();
        if (scalar.isPlain()) {
            Tag tag = scalar.getTag();
            if (Tag.NULL.equals(tag)) {
                return f.nullNode();
            }
            if (Tag.BOOL.equals(tag) && (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false"))) {
                // YAML 1.1 also reads yes/no/on/off (and so Norway's "NO") as booleans; only true/false are.
                return f.booleanNode(Boolean.parseBoolean(text.toLowerCase()));
            }
            if (Tag.INT.equals(tag) && text.matches("[-+]?[0-9]+")) {
                return f.numberNode(new BigInteger(text));
            }
            if (Tag.FLOAT.equals(tag) && text.matches("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?")) {
                return f.numberNode(Double.parseDouble(text));
            }
        }
        return f.textNode(text);
    }

    private static int line(Node node) {
        return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
    }

    /** Turns {@code /a/b/0/c} into {@code a.b[0].c}. */
    static String dotted(String path) {
        StringBuilder sb = new StringBuilder();
        for (String part : path.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            if (part.chars().allMatch(Character::isDigit)) {
                sb.append('[').append(part).append(']');
            } else {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(part);
            }
        }
        return sb.toString();
    }

    Path file() {
        return file;
    }

    JsonNode root() {
        return root;
    }

    /** The line of the field at this path, or of its nearest ancestor that has one. */
    int lineOf(String path) {
        for (String p = path; ; p = p.substring(0, Math.max(0, p.lastIndexOf('/')))) {
            Integer line = lines.get(p);
            if (line != null) {
                return line;
            }
            if (p.isEmpty()) {
                return 0;
            }
        }
    }

    /** A failure at the field with this path. */
    RegionConfigException error(String path, String problem) {
        return new RegionConfigException(file, lineOf(path), dotted(path), problem);
    }
}
