package io.tuns.server.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * Builds the {@link ServerConfig} from flags, the environment ({@code TUNS_*} over {@code SISH_*}), a YAML file
 * with the same keys, and the defaults, in that order of precedence. Every flag is a {@link ServerConfig}
 * component (kebab-case) or a sish flag tuns ignores with a warning, so nothing can be configured that the server
 * does not receive. Errors are {@link ConfigException}s with one line naming the flag, variable or file key.
 */
public final class ConfigLoader {

    private static final String[] ENV_PREFIXES = {"TUNS_", "SISH_"}; // first wins

    private ConfigLoader() {
    }

    /** Flags only, plus a file if {@code --config} is given; no environment, no implicit config.yml. For tests and embedding. */
    public static ServerConfig fromArgs(String... args) {
        return load(args, Map.of(), false);
    }

    /**
     * What {@code tuns serve} runs with.
     *
     * @param args the flags (without the {@code serve} word)
     * @param env  the environment, usually {@link System#getenv()}
     */
    public static ServerConfig load(String[] args, Map<String, String> env) {
        return load(args, env, true);
    }

    /**
     * The config file {@link #load} reads for these flags and environment ({@code --config}, {@code SISH_CONFIG},
     * else {@code config.yml} when it exists), so that it can be watched for changes; empty when there is none.
     */
    public static Optional<Path> configFilePath(String[] args, Map<String, String> env) {
        ParseResult parsed;
        try {
            parsed = new CommandLine(ServeOptions.spec()).parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            return Optional.empty();
        }
        if (parsed.hasMatchedOption(ServeOptions.CONFIG_OPTION)) {
            return Optional.of(Path.of(parsed.matchedOptionValue(ServeOptions.CONFIG_OPTION, "")));
        }
        Optional<String> fromEnv = fromEnv("config", env);
        if (fromEnv.isPresent()) {
            return fromEnv.map(Path::of);
        }
        Path byDefault = Path.of(ConfigFile.DEFAULT_NAME);
        return Files.isRegularFile(byDefault) ? Optional.of(byDefault) : Optional.empty();
    }

    /** A fresh {@code serve} command: its options, defaults and grouped {@code --help}. */
    public static CommandLine serveCommandLine() {
        return ServeOptions.commandLine();
    }

    private static ServerConfig load(String[] args, Map<String, String> env, boolean defaultFile) {
        ParseResult parsed;
        try {
            parsed = new CommandLine(ServeOptions.spec()).parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            throw ParseErrors.toConfigException(e);
        }
        ConfigFile file = configFile(parsed, env, defaultFile);

        List<Setting> settings = new ArrayList<>();
        Map<String, Object> values = new HashMap<>();
        Map<String, String> origins = new HashMap<>();
        for (Flag flag : Flags.ALL) {
            Setting s = resolve(flag, parsed, env, file);
            settings.add(s);
            values.put(flag.name(), Conversion.convert(s));
            origins.put(flag.name(), s.origin());
        }
        ZeroMeansOff.apply(values);
        List<String> warnings = new ArrayList<>(file.warnings());
        warnings.addAll(UnimplementedFlags.warnings(settings, values));
        ServerConfig config = construct(values, warnings);
        Validation.check(config, origins::get);
        return config;
    }

    private static ConfigFile configFile(ParseResult parsed, Map<String, String> env, boolean defaultFile) {
        if (parsed.hasMatchedOption(ServeOptions.CONFIG_OPTION)) {
            return ConfigFile.read(Path.of(parsed.matchedOptionValue(ServeOptions.CONFIG_OPTION, "")), true);
        }
        Optional<String> fromEnv = fromEnv("config", env);
        if (fromEnv.isPresent()) {
            return ConfigFile.read(Path.of(fromEnv.get()), true);
        }
        return defaultFile ? ConfigFile.read(Path.of(ConfigFile.DEFAULT_NAME), false) : ConfigFile.none();
    }

    /** flag > environment > file > default. */
    private static Setting resolve(Flag flag, ParseResult parsed, Map<String, String> env, ConfigFile file) {
        if (parsed.hasMatchedOption(flag.longName())) {
            return new Setting(flag, parsed.matchedOptionValue(flag.longName(), ""), flag.longName(),
                    Setting.Source.FLAG);
        }
        for (String prefix : ENV_PREFIXES) {
            String name = prefix + flag.envSuffix();
            if (env.containsKey(name)) {
                return new Setting(flag, env.get(name), name, Setting.Source.ENVIRONMENT);
            }
        }
        Optional<String> inFile = file.value(flag.name());
        if (inFile.isPresent()) {
            return new Setting(flag, inFile.get(), file.name() + ": " + flag.name(), Setting.Source.FILE);
        }
        return Setting.byDefault(flag);
    }

    private static Optional<String> fromEnv(String flagName, Map<String, String> env) {
        String suffix = flagName.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        for (String prefix : ENV_PREFIXES) {
            if (env.containsKey(prefix + suffix)) {
                return Optional.of(env.get(prefix + suffix));
            }
        }
        return Optional.empty();
    }

    private static ServerConfig construct(Map<String, Object> values, List<String> warnings) {
        RecordComponent[] components = ServerConfig.class.getRecordComponents();
        Object[] args = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            String name = Flags.kebab(components[i].getName());
            types[i] = components[i].getType();
            args[i] = name.equals("warnings") ? warnings : values.get(name);
        }
        try {
            Constructor<ServerConfig> canonical = ServerConfig.class.getDeclaredConstructor(types);
            return canonical.newInstance(args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("ServerConfig is not a record of flags", e);
        }
    }
}
