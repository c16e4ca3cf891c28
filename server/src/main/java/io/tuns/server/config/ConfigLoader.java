package io.tuns.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Builds the {@link ServerConfig} from flags, environment ({@code TUNS_*} over {@code SISH_*}), a YAML file
 * with the same keys, and the defaults, in that order of precedence. Every flag is a {@link ServerConfig}
 * component (kebab-case), so nothing can be configured that the server does not receive. Errors are one line
 * naming the flag or key.
 */
public final class ConfigLoader {

    /** sish flags tuns accepts for compatibility but does not act on yet; setting one prints a warning. */
    static final Set<String> NOT_YET_IMPLEMENTED = Set.of("https", "https-address", "https-port-override",
            "https-request-port-override", "tcp-address", "localhost-as-all", "force-tcp-address", "port-bind-range",
            "bind-random-aliases", "bind-random-aliases-length", "bind-random-ports", "force-requested-aliases",
            "force-requested-ports", "banned-aliases", "append-user-to-subdomain", "append-user-to-subdomain-separator",
            "bind-any-host", "bind-hosts", "bind-root-domain", "bind-wildcards", "bind-http-auth", "bind-http-path",
            "strip-http-path", "rewrite-host-header", "verify-dns", "authentication-key-request-url",
            "authentication-key-request-timeout", "authentication-password-request-url",
            "authentication-password-request-timeout", "https-certificate-directory",
            "https-certificate-directory-watch-interval", "https-ondemand-certificate",
            "https-ondemand-certificate-accept-terms", "https-ondemand-certificate-email", "force-all-https",
            "force-https", "proxy-ssl-termination", "verify-ssl", "tcp-aliases", "tcp-aliases-allowed-users",
            "http-load-balancer", "tcp-load-balancer", "alias-load-balancer", "sni-load-balancer", "sni-proxy",
            "sni-proxy-https", "proxy-protocol", "proxy-protocol-version", "proxy-protocol-listener",
            "proxy-protocol-policy", "proxy-protocol-use-timeout", "proxy-protocol-timeout", "cleanup-unbound",
            "cleanup-unbound-timeout", "banned-ips", "whitelisted-ips", "banned-countries", "whitelisted-countries",
            "geodb", "log-to-client", "time-format", "debug", "metrics-address");

    private static final Map<String, String> SHORT_NAMES = Map.ofEntries(
            Map.entry("ssh-address", "-a"), Map.entry("http-address", "-i"), Map.entry("https-address", "-t"),
            Map.entry("domain", "-d"), Map.entry("redirect-root-location", "-r"), Map.entry("port-bind-range", "-n"),
            Map.entry("banned-subdomains", "-b"), Map.entry("authentication-keys-directory", "-k"),
            Map.entry("authentication-password", "-u"), Map.entry("private-keys-directory", "-l"),
            Map.entry("private-key-passphrase", "-p"), Map.entry("https-certificate-directory", "-s"),
            Map.entry("proxy-protocol-version", "-q"), Map.entry("admin-console-token", "-j"),
            Map.entry("service-console-token", "-m"), Map.entry("banned-ips", "-x"),
            Map.entry("whitelisted-ips", "-w"), Map.entry("banned-countries", "-o"),
            Map.entry("whitelisted-countries", "-y"));

    private ConfigLoader() {
    }

    /** Flags only (plus a file if {@code --config} is given); for tests and embedding. */
    public static ServerConfig fromArgs(String... args) {
        return load(args, Map.of());
    }

    public static ServerConfig load(String[] args, Map<String, String> env) {
        CommandSpec spec = commandSpec();
        List<String> argList = new ArrayList<>(Arrays.asList(args));
        if (!argList.isEmpty() && argList.get(0).equals("serve")) {
            argList.remove(0);
        }
        // the config file must be known before defaults are resolved
        Path file = null;
        boolean explicitFile = false;
        CommandLine.ParseResult pre;
        try {
            pre = new CommandLine(commandSpec()).parseArgs(argList.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new ConfigException(oneLine(e.getMessage()));
        }
        if (pre.hasMatchedOption("--config")) {
            file = Path.of(pre.matchedOptionValue("--config", "config.yml"));
            explicitFile = true;
        } else if (env.containsKey("TUNS_CONFIG") || env.containsKey("SISH_CONFIG")) {
            file = Path.of(env.getOrDefault("TUNS_CONFIG", env.get("SISH_CONFIG")));
            explicitFile = true;
        } else {
            file = Path.of("config.yml");
        }
        Map<String, String> yaml = readYaml(file, explicitFile, spec);
        CommandLine cl = new CommandLine(spec);
        cl.setDefaultValueProvider(arg -> {
            if (!(arg instanceof OptionSpec option) || !option.longestName().startsWith("--")) {
                return null;
            }
            String flag = option.longestName().substring(2);
            String envKey = flag.toUpperCase(Locale.ROOT).replace('-', '_');
            if (env.containsKey("TUNS_" + envKey)) {
                return env.get("TUNS_" + envKey);
            }
            if (env.containsKey("SISH_" + envKey)) {
                return env.get("SISH_" + envKey);
            }
            if (yaml.containsKey(flag)) {
                return yaml.get(flag);
            }
            Defaults.Entry d = Defaults.TABLE.get(flag);
            return d == null ? null : d.value();
        });
        CommandLine.ParseResult parsed;
        try {
            parsed = cl.parseArgs(argList.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new ConfigException(oneLine(e.getMessage()));
        }
        return build(spec, parsed);
    }

    /** The picocli model: one option per ServerConfig component, plus --config/--help/--version. */
    public static CommandSpec commandSpec() {
        CommandSpec spec = CommandSpec.create().name("tuns serve");
        spec.usageMessage().description("Run the tuns SSH tunnel server (sish-compatible flags; env TUNS_*/SISH_*;"
                + " YAML config with the same keys). Sizes accept KiB/MiB/GiB, durations 200ms/5s/15m/1h30m.");
        spec.addOption(OptionSpec.builder("-c", "--config").paramLabel("FILE").type(String.class)
                .description("YAML config file (default: config.yml if present)").build());
        for (RecordComponent rc : ServerConfig.class.getRecordComponents()) {
            if (rc.getName().equals("warnings")) {
                continue;
            }
            String flag = kebab(rc.getName());
            Defaults.Entry d = Defaults.TABLE.get(flag);
            if (d == null) {
                throw new IllegalStateException("no default for --" + flag);
            }
            String[] names = SHORT_NAMES.containsKey(flag)
                    ? new String[] {SHORT_NAMES.get(flag), "--" + flag} : new String[] {"--" + flag};
            OptionSpec.Builder b = OptionSpec.builder(names).type(String.class)
                    .description(d.help() + " (default: " + (d.value().isEmpty() ? "\"\"" : d.value()) + ")")
                    .paramLabel(paramLabel(rc.getType()));
            if (rc.getType() == boolean.class) {
                b.arity("0..1").fallbackValue("true");
            }
            spec.addOption(b.build());
        }
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("Show this help").build());
        spec.addOption(OptionSpec.builder("-V", "--version").versionHelp(true).description("Print the version").build());
        spec.version("tuns " + Version.get());
        return spec;
    }

    private static String paramLabel(Class<?> type) {
        if (type == boolean.class) {
            return "BOOL";
        }
        if (type == Duration.class) {
            return "DURATION";
        }
        if (type == List.class) {
            return "LIST";
        }
        if (type == int.class || type == long.class) {
            return "N";
        }
        return "VALUE";
    }

    private static ServerConfig build(CommandSpec spec, CommandLine.ParseResult parsed) {
        RecordComponent[] rcs = ServerConfig.class.getRecordComponents();
        Object[] values = new Object[rcs.length];
        List<String> warnings = new ArrayList<>();
        Map<String, String> raw = new LinkedHashMap<>();
        for (int i = 0; i < rcs.length; i++) {
            RecordComponent rc = rcs[i];
            if (rc.getName().equals("warnings")) {
                values[i] = warnings;
                continue;
            }
            String flag = kebab(rc.getName());
            String v = spec.findOption("--" + flag).getValue();
            if (v == null) {
                v = Defaults.TABLE.get(flag).value();
            }
            raw.put(flag, v);
            values[i] = convert(flag, v, rc.getType());
            if (NOT_YET_IMPLEMENTED.contains(flag) && !normalised(v).equals(normalised(Defaults.TABLE.get(flag).value()))) {
                warnings.add("--" + flag + " is accepted for sish compatibility but not implemented yet; ignored");
            }
        }
        try {
            Constructor<ServerConfig> c = ServerConfig.class.getDeclaredConstructor(
                    Arrays.stream(rcs).map(RecordComponent::getType).toArray(Class<?>[]::new));
            ServerConfig cfg = c.newInstance(values);
            Validation.check(cfg);
            return cfg;
        } catch (ReflectiveOperationException e) {
            if (e.getCause() instanceof ConfigException ce) {
                throw ce;
            }
            throw new IllegalStateException(e);
        }
    }

    private static String normalised(String v) {
        return v.trim().toLowerCase(Locale.ROOT);
    }

    static Object convert(String flag, String v, Class<?> type) {
        String s = v.trim();
        try {
            if (type == String.class) {
                return v;
            }
            if (type == boolean.class) {
                Boolean b = parseBool(s);
                if (b == null) {
                    throw new ConfigException("--" + flag + ": '" + v + "' is not true or false");
                }
                return b;
            }
            if (type == int.class) {
                return Integer.parseInt(s);
            }
            if (type == long.class) {
                return Sizes.parse(s);
            }
            if (type == Duration.class) {
                return Durations.parse(s);
            }
            if (type == Path.class) {
                return Path.of(s);
            }
            if (type == List.class) {
                return s.isEmpty() ? List.of() : Arrays.stream(s.split(",")).map(String::trim)
                        .filter(x -> !x.isEmpty()).toList();
            }
        } catch (NumberFormatException e) {
            throw new ConfigException("--" + flag + ": '" + v + "' is not a " + (type == long.class
                    ? "size (examples: 65536, 64KiB, 8MiB, -1)" : "whole number"));
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--" + flag + ": '" + v + "' is not a duration (examples: 5s, 200ms, 15m, 1h30m)");
        }
        throw new IllegalStateException("unsupported type for --" + flag);
    }

    private static Boolean parseBool(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "true", "1", "t", "yes", "on" -> true;
            case "false", "0", "f", "no", "off" -> false;
            default -> null;
        };
    }

    private static Map<String, String> readYaml(Path file, boolean explicit, CommandSpec spec) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            if (explicit) {
                throw new ConfigException("--config: file " + file + " does not exist");
            }
            return out;
        }
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (IOException e) {
            throw new ConfigException(file + ": not valid YAML: " + oneLine(e.getMessage()));
        }
        if (root == null || root.isNull() || root.isMissingNode()) {
            return out;
        }
        if (!root.isObject()) {
            throw new ConfigException(file + ": must be a mapping of flag names to values");
        }
        Iterator<Map.Entry<String, JsonNode>> it = root.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            if (key.equals("config") || spec.findOption("--" + key) == null || !Defaults.TABLE.containsKey(key)) {
                throw new ConfigException(file + ": unknown key '" + key + "'" + suggestion(key));
            }
            JsonNode v = e.getValue();
            if (v.isArray()) {
                List<String> items = new ArrayList<>();
                v.forEach(x -> items.add(x.asText()));
                out.put(key, String.join(",", items));
            } else if (v.isValueNode()) {
                out.put(key, v.isNull() ? "" : v.asText());
            } else {
                throw new ConfigException(file + ": key '" + key + "' must be a value or a list");
            }
        }
        return out;
    }

    private static String suggestion(String key) {
        String best = null;
        int bestDist = 4;
        for (String flag : Defaults.TABLE.keySet()) {
            int d = distance(key, flag);
            if (d < bestDist) {
                bestDist = d;
                best = flag;
            }
        }
        return best == null ? "" : " (did you mean '" + best + "'?)";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            int[] cur = new int[b.length() + 1];
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1),
                        prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            prev = cur;
        }
        return prev[b.length()];
    }

    static String kebab(String camel) {
        Matcher m = Pattern.compile("[A-Z]").matcher(camel);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(b, "-" + m.group().toLowerCase(Locale.ROOT));
        }
        m.appendTail(b);
        return b.toString();
    }

    private static String oneLine(String s) {
        return s == null ? "invalid arguments" : s.replaceAll("\\s*\\R\\s*", " ").trim();
    }
}
