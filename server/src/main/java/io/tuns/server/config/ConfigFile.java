package io.tuns.server.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * sish's {@code config.yml}: a mapping of flag names to values, lists as YAML lists or comma strings. Values are
 * kept as raw text so the same conversion and checks apply as to flags. A key sish's loader (viper) would ignore
 * is ignored too, so sish's own config.example.yml (with its {@code config:} key) starts tuns, but never silently:
 * each one is a warning naming the key, with the closest flag when it looks like a typo. Read with SnakeYAML's
 * composer alone (a node tree, scalars as written): a data binder would load ~400 classes for a few keys.
 */
final class ConfigFile {

    static final String DEFAULT_NAME = "config.yml";

    private final String name;
    private final Map<String, String> values;
    private final List<String> warnings;

    private ConfigFile(String name, Map<String, String> values, List<String> warnings) {
        this.name = name;
        this.values = values;
        this.warnings = List.copyOf(warnings);
    }

    private ConfigFile(String name, Map<String, String> values) {
        this(name, values, List.of());
    }

    static ConfigFile none() {
        return new ConfigFile(DEFAULT_NAME, Map.of());
    }

    /** @param required true when the operator named the file: then a missing file is an error */
    static ConfigFile read(Path file, boolean required) {
        String name = file.toString();
        if (!Files.exists(file)) {
            if (required) {
                throw new ConfigException("--config: file " + name + " does not exist");
            }
            return new ConfigFile(name, Map.of());
        }
        Node root;
        try (Reader r = Files.newBufferedReader(file)) {
            LoaderOptions options = new LoaderOptions();
            root = new Composer(new ParserImpl(new StreamReader(r), options), new Resolver(), options).getSingleNode();
        } catch (IOException | YAMLException e) {
            throw new ConfigException(name + ": not valid YAML: " + OneLine.of(e.getMessage()));
        }
        if (root == null || isNull(root)) {
            return new ConfigFile(name, Map.of()); // an empty file is an empty configuration
        }
        if (!(root instanceof MappingNode mapping)) {
            throw new ConfigException(name + ": must be a mapping of flag names to values (ssh-address: ...)");
        }
        Map<String, String> values = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        Set<String> seen = new HashSet<>(); // a repeated key is an error, as it was with strict duplicate detection
        for (NodeTuple entry : mapping.getValue()) {
            if (!(entry.getKeyNode() instanceof ScalarNode keyNode)) {
                throw new ConfigException(name + ": must be a mapping of flag names to values (ssh-address: ...)");
            }
            String key = keyNode.getValue();
            if (!seen.add(key)) {
                throw new ConfigException(name + ": not valid YAML: duplicate key '" + key + "'");
            }
            Optional<Flag> flag = key.equals("config") ? Optional.empty() : Flags.byName(key);
            if (flag.isPresent()) {
                values.put(flag.get().name(), text(name, flag.get(), entry.getValueNode()));
            } else {
                warnings.add(ignoredKey(name, key));
            }
        }
        return new ConfigFile(name, Map.copyOf(values), warnings);
    }

    /** The warning for a key that is not a flag this file may set (sish's viper ignores such keys). */
    static String ignoredKey(String file, String key) {
        if (key.equals("config")) { // sish's example has it; the file to read is chosen before the file is read
            return file + ": key 'config' ignored (a config file cannot name another; use --config)";
        }
        return file + ": unknown key '" + key + "' ignored"
                + Suggestions.closestFlag(key).map(s -> " (did you mean '" + s + "'?)").orElse("");
    }

    private static String text(String file, Flag flag, Node v) {
        if (isNull(v)) {
            return "";
        }
        if (v instanceof ScalarNode scalar) {
            return scalar.getValue();
        }
        if (v instanceof SequenceNode list && flag.type() == List.class) {
            List<String> items = new ArrayList<>();
            for (Node item : list.getValue()) {
                if (!(item instanceof ScalarNode scalar)) {
                    throw new ConfigException(file + ": " + flag.name() + ": list items must be plain values");
                }
                items.add(scalar.getValue());
            }
            return String.join(",", items);
        }
        throw new ConfigException(file + ": " + flag.name() + ": expected a single value"
                + (flag.type() == List.class ? " or a list" : ", not a list or mapping"));
    }

    /** {@code key:}, {@code key: null}, {@code key: ~} */
    private static boolean isNull(Node v) {
        return v instanceof ScalarNode && Tag.NULL.equals(v.getTag());
    }

    String name() {
        return name;
    }

    /** Keys the file has that tuns ignores, one warning each. */
    List<String> warnings() {
        return warnings;
    }

    Optional<String> value(String flag) {
        return Optional.ofNullable(values.get(flag));
    }
}
