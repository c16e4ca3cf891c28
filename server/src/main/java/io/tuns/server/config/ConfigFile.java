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
 * kept as raw text so the same conversion and checks apply as to flags. Unknown keys are errors, not silently
 * ignored: a typo in a security setting must not fall back to the default.
 */
final class ConfigFile {

    static final String DEFAULT_NAME = "config.yml";

    private final String name;
    private final Map<String, String> values;

    private ConfigFile(String name, Map<String, String> values) {
        this.name = name;
        this.values = values;
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
        Iterator<Map.Entry<String, JsonNode>> it = root.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            Flag flag = flagFor(name, e.getKey());
            values.put(flag.name(), text(name, flag, e.getValue()));
        }
        return new ConfigFile(name, Map.copyOf(values));
    }

    private static Flag flagFor(String file, String key) {
        if (key.equals("config")) {
            throw new ConfigException(file + ": key 'config' is not allowed inside a config file");
        }
        return Flags.byName(key).orElseThrow(() -> new ConfigException(file + ": unknown key '" + key + "'"
                + Suggestions.closestFlag(key).map(s -> " (did you mean '" + s + "'?)").orElse("")));
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

    Optional<String> value(String flag) {
        return Optional.ofNullable(values.get(flag));
    }
}
