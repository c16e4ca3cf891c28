package io.tuns.server.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * sish's {@code config.yml}: a mapping of flag names to values, lists as YAML lists or comma strings. Values are
 * kept as raw text so the same conversion and checks apply as to flags. A key sish's loader (viper) would ignore
 * is ignored too, so sish's own config.example.yml (with its {@code config:} key) starts tuns, but never silently:
 * each one is a warning naming the key, with the closest flag when it looks like a typo.
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
        JsonNode root;
        try {
            ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
            yaml.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            root = yaml.readTree(file.toFile());
        } catch (IOException e) {
            throw new ConfigException(name + ": not valid YAML: " + OneLine.of(e.getMessage()));
        }
        if (root == null || root.isNull() || root.isMissingNode()) {
            return new ConfigFile(name, Map.of()); // an empty file is an empty configuration
        }
        if (!root.isObject()) {
            throw new ConfigException(name + ": must be a mapping of flag names to values (ssh-address: ...)");
        }
        Map<String, String> values = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = root.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            Optional<Flag> flag = e.getKey().equals("config") ? Optional.empty() : Flags.byName(e.getKey());
            if (flag.isPresent()) {
                values.put(flag.get().name(), text(name, flag.get(), e.getValue()));
            } else {
                warnings.add(ignoredKey(name, e.getKey()));
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

    private static String text(String file, Flag flag, JsonNode v) {
        if (v.isNull()) {
            return "";
        }
        if (v.isValueNode()) {
            return v.asText();
        }
        if (v.isArray() && flag.type() == List.class) {
            List<String> items = new ArrayList<>();
            for (JsonNode item : v) {
                if (!item.isValueNode()) {
                    throw new ConfigException(file + ": " + flag.name() + ": list items must be plain values");
                }
                items.add(item.asText());
            }
            return String.join(",", items);
        }
        throw new ConfigException(file + ": " + flag.name() + ": expected a single value"
                + (flag.type() == List.class ? " or a list" : ", not a list or mapping"));
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
