package io.tuns.server.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tuns.server.inspect.TunnelFigures;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** The admin console's data: sish's {@code /_sish/api/clients} shape, plus a link to each HTTP tunnel's console. */
final class AdminApi {

    private final ObjectMapper mapper;
    private final ConsoleBackend backend;
    private final Function<String, Optional<TunnelFigures>> figures;

    AdminApi(ObjectMapper mapper, ConsoleBackend backend, Function<String, Optional<TunnelFigures>> figures) {
        this.mapper = mapper;
        this.backend = backend;
        this.figures = figures;
    }

    /**
     * {@code {status, clients: {<remoteAddr>: {remoteAddr, user, version, session, pubKey, pubKeyFingerprint,
     * listeners[], routeListeners: {httpListeners, listeners, tcpAliases}}}}} as sish returns it (pico's TUI reads
     * it). tuns adds per client, which sish clients ignore: {@code uptimeSeconds}, {@code consoles: {host: url}},
     * {@code figures: {host: TunnelFigures}}, {@code traffic: {openChannels, bytesIn, bytesOut, uptimeSeconds,
     * requests, errors, capturedBytes}} (the connection; the last three summed over its HTTP hosts) and
     * {@code channels: {listener: {openChannels, bytesIn, bytesOut, uptimeSeconds}}} (each tunnel).
     */
    ObjectNode clients() {
        ObjectNode root = mapper.createObjectNode();
        root.put("status", true);
        ObjectNode clients = root.putObject("clients");
        for (ClientInfo c : backend.clients()) {
            ObjectNode n = clients.putObject(c.remoteAddr());
            n.put("remoteAddr", c.remoteAddr());
            n.put("user", c.user());
            n.put("version", c.version());
            n.put("session", c.sessionId());
            n.put("pubKey", c.pubKey());
            n.put("pubKeyFingerprint", c.pubKeyFingerprint());
            if (c.connectedAt() != null) {
                n.put("uptimeSeconds", Math.max(0, Duration.between(c.connectedAt(), Instant.now()).toSeconds()));
            }
            n.set("listeners", mapper.valueToTree(nullToEmpty(c.listeners())));
            ObjectNode routes = n.putObject("routeListeners");
            routes.set("httpListeners", mapper.valueToTree(nullToEmpty(c.httpListeners())));
            routes.set("listeners", mapper.valueToTree(nullToEmpty(c.tcpListeners())));
            routes.set("tcpAliases", mapper.valueToTree(nullToEmpty(c.tcpAliases())));
            ObjectNode consoles = n.putObject("consoles");
            ObjectNode tunnelFigures = n.putObject("figures");
            long requests = 0;
            long errors = 0;
            long captured = 0;
            for (String key : nullToEmpty(c.httpListeners()).keySet()) {
                String host = hostOf(key);
                if (tunnelFigures.has(host)) {
                    continue; // one host bound on several paths: its history, and figures, are the host's
                }
                Optional<TunnelFigures> f = figures.apply(host);
                if (f.isPresent()) {
                    tunnelFigures.set(host, mapper.valueToTree(f.get()));
                    requests += f.get().requests();
                    errors += f.get().errors();
                    captured += f.get().capturedBytes();
                }
                Optional<TunnelInfo> t = backend.tunnelForHost(host);
                t.ifPresent(info -> consoles.put(host, ConsoleTokens.serviceConsoleUrl(origin(info.publicUrl()),
                        info.consoleToken())));
            }
            ObjectNode traffic = channelFigures(n.putObject("traffic"), c.traffic() == null ? ChannelFigures.NONE
                    : c.traffic());
            traffic.put("requests", requests);
            traffic.put("errors", errors);
            traffic.put("capturedBytes", captured);
            ObjectNode channels = n.putObject("channels");
            nullToEmpty(c.listenerTraffic()).forEach((name, f) -> channelFigures(channels.putObject(name), f));
        }
        return root;
    }

    /** A client's or tunnel's channels, bytes and uptime, as the admin page reads them. */
    private static ObjectNode channelFigures(ObjectNode n, ChannelFigures f) {
        n.put("openChannels", f.openChannels());
        n.put("bytesIn", f.bytesIn());
        n.put("bytesOut", f.bytesOut());
        if (f.since() != null) {
            n.put("uptimeSeconds", Math.max(0, Duration.between(f.since(), Instant.now()).toSeconds()));
        }
        return n;
    }

    /** "user:pass@host/path" → "host". */
    static String hostOf(String httpListenerKey) {
        String s = httpListenerKey;
        int at = s.lastIndexOf('@');
        if (at >= 0) {
            s = s.substring(at + 1);
        }
        int slash = s.indexOf('/');
        if (slash >= 0) {
            s = s.substring(0, slash);
        }
        int colon = s.lastIndexOf(':');
        if (colon > 0 && !s.endsWith("]")) {
            s = s.substring(0, colon);
        }
        return s.toLowerCase(Locale.ROOT);
    }

    /** "http://user:pass@host:8080/path" → "http://host:8080": the console lives at the host's root. */
    static String origin(String publicUrl) {
        int scheme = publicUrl.indexOf("://");
        String rest = scheme < 0 ? publicUrl : publicUrl.substring(scheme + 3);
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            rest = rest.substring(0, slash);
        }
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            rest = rest.substring(at + 1);
        }
        return (scheme < 0 ? "http" : publicUrl.substring(0, scheme)) + "://" + rest;
    }

    private static <T> List<T> nullToEmpty(List<T> l) {
        return l == null ? List.of() : l;
    }

    private static <K, V> Map<K, V> nullToEmpty(Map<K, V> m) {
        return m == null ? Map.of() : m;
    }
}
