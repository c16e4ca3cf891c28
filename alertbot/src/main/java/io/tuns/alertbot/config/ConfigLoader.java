package io.tuns.alertbot.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.tuns.alertbot.alerts.AlertFormatter;
import io.tuns.alertbot.config.AlertbotConfig.AuthMode;
import io.tuns.alertbot.config.AlertbotConfig.MailSecurity;
import io.tuns.alertbot.config.AlertbotConfig.Person;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads alertbot.yml into an {@link AlertbotConfig}. Every problem is a {@link ConfigException} whose message is
 * one line naming the key. Unknown keys are errors (a typo must not silently fall back to a default).
 * Secrets come only from the environment ({@code *-env}) or a file ({@code *-file}), never inline.
 */
public final class ConfigLoader {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private final Function<String, String> env;

    public ConfigLoader(Function<String, String> env) {
        this.env = env;
    }

    public AlertbotConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("--config", "cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
        }
        return parse(text);
    }

    public AlertbotConfig parse(String yaml) {
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(yaml);
        } catch (JacksonException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw new ConfigException("config", "not valid YAML" + where);
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException("config", "must be a YAML mapping with sections irc, mail, ...");
        }
        Node r = new Node("", root);
        r.allow("irc", "watchdog", "mail", "http", "mentions", "heartbeat", "outgoing-heartbeat", "peers", "state-dir",
                "zone");
        ZoneId zone;
        String zoneName = r.str("zone", "UTC");
        try {
            zone = ZoneId.of(zoneName);
        } catch (DateTimeException e) {
            throw new ConfigException("zone", "unknown time zone '" + zoneName + "' (use e.g. Europe/Berlin)");
        }
        return new AlertbotConfig(irc(r.child("irc", true)), watch(r.child("watchdog", false)),
                mail(r.child("mail", true)), http(r.child("http", false)), mentions(r.child("mentions", false)),
                heartbeat(r.child("heartbeat", false)), Path.of(r.str("state-dir", "./alertbot-state")), zone,
                outgoingPing(r.child("outgoing-heartbeat", false)), peers(r.child("peers", false)));
    }

    private AlertbotConfig.Irc irc(Node n) {
        n.allow("host", "port", "tls", "insecure-plaintext", "trust-ca-file", "auth", "user", "client-id", "network",
                "password-env", "password-file", "nick", "channel", "message-type", "ping-interval", "read-deadline",
                "registration-timeout", "message-delay", "max-lines-per-notification", "max-line-length",
                "max-pending-notifications", "alert-template");
        Optional<String> template = n.optStr("alert-template");
        if (template.isPresent()) {
            String bad = AlertFormatter.unknownPlaceholder(template.get());
            if (bad != null) {
                n.fail("alert-template", "unknown placeholder " + bad
                        + " (use {alertname}, {status}, {summary}, {label:NAME}, {annotation:NAME})");
            }
        }
        boolean tls = n.bool("tls", true);
        if (!tls && !n.bool("insecure-plaintext", false)) {
            n.fail("tls", "plaintext IRC needs insecure-plaintext: true as well");
        }
        AuthMode auth = n.oneOf("auth", "pass", AuthMode.class);
        Optional<Secret> password = secret(n, "password");
        if (auth != AuthMode.NONE && password.isEmpty()) {
            n.fail("password-env", "auth " + auth.name().toLowerCase(Locale.ROOT) + " needs password-env or password-file");
        }
        String channel = n.req("channel");
        if (!channel.startsWith("#") && !channel.startsWith("&")) {
            n.fail("channel", "must start with # (got '" + channel + "')");
        }
        String type = n.str("message-type", "notice");
        if (!type.equals("notice") && !type.equals("privmsg")) {
            n.fail("message-type", "must be notice or privmsg, got '" + type + "'");
        }
        Duration ping = n.duration("ping-interval", "30s");
        Duration deadline = n.duration("read-deadline", "90s");
        if (deadline.compareTo(ping) <= 0) {
            n.fail("read-deadline", "must be longer than ping-interval (" + ping.toSeconds() + "s)");
        }
        String user = n.req("user");
        if (user.contains(" ")) {
            n.fail("user", "must not contain spaces");
        }
        return new AlertbotConfig.Irc(n.req("host"), n.port("port", tls ? 6697 : 6667), tls,
                n.optStr("trust-ca-file").map(p -> n.certificateFile("trust-ca-file", p)), auth, user,
                n.str("client-id", "alertbot"), n.str("network", ""), password, n.req("nick"), channel,
                type.equals("notice"), ping, deadline, n.duration("registration-timeout", "30s"),
                n.duration("message-delay", "1200ms"), n.intIn("max-lines-per-notification", 5, 1, 50),
                n.intIn("max-line-length", 400, 80, 450), n.intIn("max-pending-notifications", 100, 1, 10_000), template);
    }

    private AlertbotConfig.Watch watch(Node n) {
        n.allow("grace", "failure-threshold", "reminder-interval", "backoff-initial", "backoff-max", "stable-after");
        Duration initial = n.duration("backoff-initial", "5s");
        Duration max = n.duration("backoff-max", "5m");
        if (max.compareTo(initial) < 0) {
            n.fail("backoff-max", "must be at least backoff-initial");
        }
        return new AlertbotConfig.Watch(n.duration("grace", "60s"), n.intIn("failure-threshold", 0, 0, 1000),
                n.duration("reminder-interval", "4h"), initial, max, n.duration("stable-after", "2m"));
    }

    private AlertbotConfig.Mail mail(Node n) {
        n.allow("host", "port", "security", "username", "password-env", "password-file", "from", "to", "timeout",
                "max-per-hour", "retry-initial", "retry-max", "outbox-max", "trust-ca-file", "incident-max-per-hour",
                "incident-outbox-max");
        MailSecurity sec = n.oneOf("security", "starttls", MailSecurity.class);
        int defaultPort = switch (sec) {
            case SMTPS -> 465;
            case STARTTLS -> 587;
            case PLAIN -> 25;
        };
        Optional<String> username = n.optStr("username");
        Optional<Secret> password = secret(n, "password");
        if (username.isPresent() && password.isEmpty()) {
            n.fail("password-env", "username is set, so password-env or password-file is needed");
        }
        List<String> to = n.strList("to");
        if (to.isEmpty()) {
            n.fail("to", "needs at least one address");
        }
        String from = n.req("from");
        for (String a : to) {
            n.email("to", a);
        }
        n.email("from", from);
        return new AlertbotConfig.Mail(n.req("host"), n.port("port", defaultPort), sec, username, password, from,
                List.copyOf(to), n.duration("timeout", "20s"), n.intIn("max-per-hour", 30, 1, 10_000),
                n.duration("retry-initial", "10s"), n.duration("retry-max", "10m"),
                n.intIn("outbox-max", 1000, 1, 1_000_000),
                n.optStr("trust-ca-file").map(p -> n.certificateFile("trust-ca-file", p)),
                n.intIn("incident-max-per-hour", 20, 1, 10_000), n.intIn("incident-outbox-max", 100, 1, 100_000));
    }

    private AlertbotConfig.Http http(Node n) {
        n.allow("listen", "token-env", "token-file", "max-body-bytes");
        String listen = n.str("listen", "127.0.0.1:9095");
        int colon = listen.lastIndexOf(':');
        if (colon <= 0) {
            n.fail("listen", "must be host:port, got '" + listen + "'");
        }
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            n.fail("listen", "port must be 0-65535, got '" + listen.substring(colon + 1) + "'");
        }
        return new AlertbotConfig.Http(listen.substring(0, colon), port, secret(n, "token"),
                n.intIn("max-body-bytes", 1 << 20, 1024, 64 << 20));
    }

    private AlertbotConfig.Mentions mentions(Node n) {
        n.allow("people", "batch-interval", "active-window", "max-queued-per-person");
        List<Person> people = new ArrayList<>();
        JsonNode list = n.node.path("people");
        if (!list.isMissingNode() && !list.isArray()) {
            n.fail("people", "must be a list of {nick, email}");
        }
        int i = 0;
        for (JsonNode p : list) {
            Node pn = new Node(n.key("people[" + i++ + "]"), p);
            pn.allow("nick", "email", "direct-messages");
            String email = pn.req("email");
            pn.email("email", email);
            people.add(new Person(pn.req("nick"), email, pn.bool("direct-messages", false)));
        }
        return new AlertbotConfig.Mentions(List.copyOf(people), n.duration("batch-interval", "5m"),
                n.duration("active-window", "10m"), n.intIn("max-queued-per-person", 200, 1, 100_000));
    }

    private AlertbotConfig.Heartbeat heartbeat(Node n) {
        n.allow("enabled", "alertname", "expect-every");
        return new AlertbotConfig.Heartbeat(n.bool("enabled", true), n.str("alertname", "Watchdog"),
                n.duration("expect-every", "10m"));
    }

    private Optional<AlertbotConfig.OutgoingPing> outgoingPing(Node n) {
        n.allow("url-env", "url-file", "every", "timeout");
        Optional<Secret> url = secret(n, "url");
        if (url.isEmpty()) {
            if (!n.node.isMissingNode()) {
                n.fail("url-env", "outgoing-heartbeat needs url-env or url-file");
            }
            return Optional.empty();
        }
        URI uri;
        try {
            uri = new URI(url.get().reveal());
        } catch (URISyntaxException e) {
            uri = null;
        }
        // The URL itself is a secret (it names the check): the message does not repeat it.
        if (uri == null || uri.getHost() == null
                || !("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))) {
            n.fail("url-env", "must be an http:// or https:// URL with a host");
        }
        Duration every = n.duration("every", "5m");
        Duration timeout = n.duration("timeout", "10s");
        if (timeout.compareTo(every) >= 0) {
            n.fail("timeout", "must be shorter than every (" + every.toSeconds() + "s)");
        }
        return Optional.of(new AlertbotConfig.OutgoingPing(url.get(), every, timeout));
    }

    private AlertbotConfig.Peers peers(Node n) {
        n.allow("bots", "every", "grace", "timeout");
        List<AlertbotConfig.Peer> bots = new ArrayList<>();
        JsonNode list = n.node.path("bots");
        if (!list.isMissingNode() && !list.isArray()) {
            n.fail("bots", "must be a list of {name, url}");
        }
        int i = 0;
        for (JsonNode b : list) {
            Node bn = new Node(n.key("bots[" + i++ + "]"), b);
            bn.allow("name", "url");
            String url = bn.req("url");
            URI uri;
            try {
                uri = new URI(url);
            } catch (URISyntaxException e) {
                uri = null;
            }
            if (uri == null || uri.getHost() == null
                    || !("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))) {
                bn.fail("url", "must be an http(s) URL of the peer bot's /healthz, got '" + url + "'");
            }
            bots.add(new AlertbotConfig.Peer(bn.req("name"), uri));
        }
        Duration every = n.duration("every", "1m");
        Duration timeout = n.duration("timeout", "10s");
        if (timeout.compareTo(every) >= 0) {
            n.fail("timeout", "must be shorter than every (" + every.toSeconds() + "s)");
        }
        return new AlertbotConfig.Peers(List.copyOf(bots), every, n.duration("grace", "3m"), timeout);
    }

    private Optional<Secret> secret(Node n, String base) {
        Optional<String> envName = n.optStr(base + "-env");
        Optional<String> file = n.optStr(base + "-file");
        if (envName.isPresent() && file.isPresent()) {
            n.fail(base + "-env", "set " + base + "-env or " + base + "-file, not both");
        }
        if (envName.isPresent()) {
            String v = env.apply(envName.get());
            if (v == null || v.isEmpty()) {
                n.fail(base + "-env", "environment variable " + envName.get() + " is not set");
            }
            return Optional.of(new Secret(v));
        }
        if (file.isPresent()) {
            Path p = n.readableFile(base + "-file", file.get());
            try {
                String v = Files.readString(p, StandardCharsets.UTF_8).strip();
                if (v.isEmpty()) {
                    n.fail(base + "-file", "file " + p + " is empty");
                }
                return Optional.of(new Secret(v));
            } catch (IOException e) {
                n.fail(base + "-file", "cannot read " + p);
            }
        }
        return Optional.empty();
    }

    /** One YAML mapping plus its dotted path, for error messages. */
    private static final class Node {
        final String path;
        final JsonNode node;

        Node(String path, JsonNode node) {
            this.path = path;
            this.node = node;
        }

        String key(String k) {
            return path.isEmpty() ? k : path + "." + k;
        }

        void fail(String k, String problem) {
            throw new ConfigException(key(k), problem);
        }

        Node child(String k, boolean required) {
            JsonNode c = node.path(k);
            if (c.isMissingNode() || c.isNull()) {
                if (required) {
                    fail(k, "section is missing");
                }
                return new Node(key(k), MissingNode.getInstance());
            }
            if (!c.isObject()) {
                fail(k, "must be a mapping");
            }
            return new Node(key(k), c);
        }

        void allow(String... keys) {
            Set<String> ok = Set.of(keys);
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!ok.contains(k)) {
                    fail(k, "unknown key (known: " + String.join(", ", keys) + ")");
                }
            }
        }

        Optional<String> optStr(String k) {
            JsonNode v = node.path(k);
            if (v.isMissingNode() || v.isNull()) {
                return Optional.empty();
            }
            if (!v.isValueNode()) {
                fail(k, "must be a single value");
            }
            String s = v.asText().strip();
            return s.isEmpty() ? Optional.empty() : Optional.of(s);
        }

        String str(String k, String def) {
            return optStr(k).orElse(def);
        }

        String req(String k) {
            return optStr(k).orElseThrow(() -> new ConfigException(key(k), "is required"));
        }

        boolean bool(String k, boolean def) {
            JsonNode v = node.path(k);
            if (v.isMissingNode() || v.isNull()) {
                return def;
            }
            if (!v.isBoolean()) {
                fail(k, "must be true or false, got '" + v.asText() + "'");
            }
            return v.asBoolean();
        }

        int intIn(String k, int def, int min, int max) {
            JsonNode v = node.path(k);
            if (v.isMissingNode() || v.isNull()) {
                return def;
            }
            if (!v.canConvertToInt() || !v.isIntegralNumber()) {
                fail(k, "must be a whole number, got '" + v.asText() + "'");
            }
            int i = v.asInt();
            if (i < min || i > max) {
                fail(k, "must be " + min + "-" + max + ", got " + i);
            }
            return i;
        }

        int port(String k, int def) {
            return intIn(k, def, 1, 65535);
        }

        Duration duration(String k, String def) {
            String s = str(k, def);
            Matcher m = DURATION.matcher(s);
            if (!m.matches()) {
                fail(k, "must be a duration like 500ms, 30s, 5m, 4h or 1d, got '" + s + "'");
            }
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            if (d.isZero()) {
                fail(k, "must be greater than zero");
            }
            return d;
        }

        <E extends Enum<E>> E oneOf(String k, String def, Class<E> type) {
            String s = str(k, def);
            for (E e : type.getEnumConstants()) {
                if (e.name().equalsIgnoreCase(s)) {
                    return e;
                }
            }
            List<String> names = new ArrayList<>();
            for (E e : type.getEnumConstants()) {
                names.add(e.name().toLowerCase(Locale.ROOT));
            }
            throw new ConfigException(key(k), "must be one of " + String.join(", ", names) + ", got '" + s + "'");
        }

        List<String> strList(String k) {
            JsonNode v = node.path(k);
            List<String> out = new ArrayList<>();
            if (v.isMissingNode() || v.isNull()) {
                return out;
            }
            if (v.isValueNode()) {
                out.add(v.asText().strip());
                return out;
            }
            if (!v.isArray()) {
                fail(k, "must be a list");
            }
            for (JsonNode e : v) {
                out.add(e.asText().strip());
            }
            return out;
        }

        void email(String k, String address) {
            if (!address.matches("[^@\\s<>]+@[^@\\s<>]+")) {
                fail(k, "'" + address + "' is not an e-mail address");
            }
        }

        /** A readable file with at least one certificate, so --check-config catches a key or a DER file by mistake. */
        Path certificateFile(String k, String p) {
            Path path = readableFile(k, p);
            try (InputStream in = Files.newInputStream(path)) {
                if (CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
                    fail(k, "file " + p + " holds no certificate (expected PEM: -----BEGIN CERTIFICATE-----)");
                }
            } catch (IOException | CertificateException e) {
                fail(k, "file " + p + " is not a PEM certificate file (expected -----BEGIN CERTIFICATE-----)");
            }
            return path;
        }

        Path readableFile(String k, String p) {
            Path path = Path.of(p);
            if (!Files.isReadable(path)) {
                fail(k, "file " + p + " does not exist or is not readable");
            }
            return path;
        }
    }
}
