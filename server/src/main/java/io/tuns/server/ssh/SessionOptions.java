package io.tuns.server.ssh;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code key=value} commands a user puts after the host ({@code ssh ... host force-https=true}), parsed
 * as sish does, except that every word that is not understood produces a line telling the user so.
 *
 * <p>As sish's handleSession loop: a repeated command applies again (the last value wins) and is answered again,
 * so {@code commands} keeps every applied occurrence in order; the value is what lies between the first and a
 * second {@code =} ({@code strings.Split(commandFlag, "=")[1]}); once {@code strip-path} is off, later
 * {@code strip-path=} commands are ignored without a word ({@code if !sshConn.StripPath { break }}).
 *
 * @param values   the value each command ends with
 * @param problems tuns' lines for words it did not understand
 * @param commands every applied command, in the order given, repeats included
 */
public record SessionOptions(Map<String, String> values, List<String> problems, List<Command> commands) {

    /** One applied {@code key=value}. */
    public record Command(String key, String value) {
    }

    /** Every command sish knows (research/sish.md §1.4); anything else is answered with a notice, not silence. */
    static final Set<String> KNOWN = Set.of("proxy-protocol", "proxyproto", "host-header", "strip-path",
            "sni-proxy", "tcp-address", "tcp-alias", "tcp-aliases-allowed-users", "auto-close", "force-https",
            "local-forward", "deadline");
    private static final Set<String> BOOLEAN = Set.of("sni-proxy", "tcp-alias", "auto-close", "force-https",
            "local-forward", "strip-path");

    public static SessionOptions parse(String commandLine) {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        List<Command> commands = new ArrayList<>();
        if (commandLine == null || commandLine.isBlank()) {
            return new SessionOptions(values, problems, commands);
        }
        for (String word : commandLine.trim().split("\\s+")) {
            int eq = word.indexOf('=');
            if (eq <= 0) {
                problems.add(SessionText.commandWithoutValue(word));
                continue;
            }
            String key = word.substring(0, eq).toLowerCase(Locale.ROOT);
            String value = word.substring(eq + 1);
            int second = value.indexOf('=');
            if (second >= 0) {
                value = value.substring(0, second); // sish: strings.Split(commandFlag, "=")[1]
            }
            if (!KNOWN.contains(key)) {
                problems.add(SessionText.unknownCommand(key, KNOWN.stream().sorted().toList()));
                continue;
            }
            if (BOOLEAN.contains(key) && parseBool(value) == null) {
                problems.add(SessionText.needsBoolean(key, value));
                continue;
            }
            if (key.equals("deadline")) {
                try {
                    parseDeadline(value, Instant.now());
                } catch (IllegalArgumentException e) {
                    problems.add(e.getMessage());
                    continue;
                }
            }
            if (key.equals("strip-path") && Boolean.FALSE.equals(parseBool(values.getOrDefault(key, "true")))) {
                continue; // sish: once StripPath is false, strip-path= is skipped without a line
            }
            values.put(key, value);
            commands.add(new Command(key, value));
        }
        return new SessionOptions(values, problems, List.copyOf(commands));
    }

    public boolean flag(String key) {
        return Boolean.TRUE.equals(parseBool(values.getOrDefault(key, "false")));
    }

    public String get(String key) {
        return values.get(key);
    }

    /** Go's ParseBool, as sish uses. */
    static Boolean parseBool(String v) {
        return switch (v) {
            case "1", "t", "T", "TRUE", "true", "True" -> true;
            case "0", "f", "F", "FALSE", "false", "False" -> false;
            default -> null;
        };
    }

    private static final Pattern GO_DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

    /**
     * sish's deadline formats: a duration ({@code 15m}, {@code 1h30m}), Unix seconds, RFC 3339 / ISO with a
     * zone, or {@code yyyy-MM-dd HH:mm:ss} (UTC).
     */
    static Instant parseDeadline(String v, Instant now) {
        if (v.matches("(\\d+(\\.\\d+)?(ms|s|m|h))+")) {
            Matcher m = GO_DURATION.matcher(v);
            long millis = 0;
            while (m.find()) {
                double n = Double.parseDouble(m.group(1));
                millis += (long) switch (m.group(2)) {
                    case "ms" -> n;
                    case "s" -> n * 1000;
                    case "m" -> n * 60_000;
                    default -> n * 3_600_000;
                };
            }
            return now.plus(Duration.ofMillis(millis));
        }
        if (v.matches("\\d{9,12}")) {
            return Instant.ofEpochSecond(Long.parseLong(v));
        }
        try {
            return OffsetDateTime.parse(v).toInstant();
        } catch (DateTimeParseException ignored) {
            // try the next format
        }
        try {
            return LocalDateTime.parse(v, DateTimeFormatter.ISO_LOCAL_DATE_TIME).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException ignored) {
            // try the next format
        }
        try {
            return LocalDateTime.parse(v, DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(SessionText.badDeadline(v));
        }
    }
}
