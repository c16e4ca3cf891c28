package io.tuns.server.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Raw text to the flag's type; a failure is one line naming where the value came from and what is expected. */
final class Conversion {

    private Conversion() {
    }

    static Object convert(Setting s) {
        Class<?> type = s.flag().type();
        String v = s.raw().trim();
        if (type == String.class) {
            return s.raw(); // kept verbatim: welcome messages and passphrases may have meaningful spaces
        }
        if (type == boolean.class) {
            return parseBoolean(v).orElseThrow(() -> fail(s, "is not true or false"));
        }
        if (type == int.class) {
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw fail(s, "is not a whole number");
            }
        }
        if (type == long.class) {
            try {
                return Sizes.parse(v);
            } catch (IllegalArgumentException e) {
                throw fail(s, "is not a size in bytes (examples: 65536, 64KiB, 8MiB, 1GiB)");
            }
        }
        if (type == Duration.class) {
            try {
                return Durations.parse(v);
            } catch (IllegalArgumentException e) {
                throw fail(s, "is not a duration (examples: 5s, 200ms, 15m)");
            }
        }
        if (type == Path.class) {
            try {
                return Path.of(v);
            } catch (InvalidPathException e) {
                throw fail(s, "is not a valid path");
            }
        }
        if (type == List.class) {
            return v.isEmpty() ? List.of()
                    : Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
        }
        throw new IllegalStateException("no conversion for " + type + " of --" + s.flag().name());
    }

    /** Go's strconv.ParseBool spellings, plus yes/no/on/off which YAML users write. */
    private static Optional<Boolean> parseBoolean(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "t", "1", "yes", "on" -> Optional.of(true);
            case "false", "f", "0", "no", "off" -> Optional.of(false);
            default -> Optional.empty();
        };
    }

    private static ConfigException fail(Setting s, String expected) {
        return new ConfigException(s.origin() + ": '" + s.raw() + "' " + expected);
    }
}
