package io.tuns.server.console;

import io.tuns.server.tunnel.Tunnel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A connection's tunnels in sish's {@code /_sish/api/clients} terms (sish utils/console.go HandleClients): each
 * forward is one named listener; HTTP tunnels are listed under {@code httpListeners} keyed
 * {@code user:pass@host/path}, TCP ports under {@code listeners} keyed by the listen address ({@code tcp-address:port},
 * an SNI name as {@code address-name}), aliases under {@code tcpAliases} keyed {@code alias:port}. The listener name
 * is what sish's console sends back to {@code disconnectroute}.
 */
public final class RouteListeners {

    private RouteListeners() {
    }

    /**
     * A forward's listener name, unique on the server: the ssh connection and the forward OpenSSH asked for (one
     * connection cannot hold the same forward twice). sish uses a unix socket path here; tools only pass it back.
     */
    public static String listenerName(String remoteAddr, Tunnel t) {
        return remoteAddr + "/" + t.bindAddress() + ":" + t.bindPort();
    }

    /**
     * @param tcpAddress the server's {@code --tcp-address} (sish keys TCP listeners by it; empty means all)
     * @param traffic    the connection's channels and bytes
     * @param perTunnel  one tunnel's channels and bytes
     */
    public static ClientInfo client(String remoteAddr, String user, String version, String sessionId, String pubKey,
                                    String fingerprint, List<Tunnel> tunnels, String tcpAddress,
                                    Instant connectedAt, ChannelFigures traffic,
                                    Function<Tunnel, ChannelFigures> perTunnel) {
        Map<String, ChannelFigures> listenerTraffic = new LinkedHashMap<>();
        List<String> listeners = new ArrayList<>();
        Map<String, List<String>> http = new LinkedHashMap<>();
        Map<String, String> tcp = new LinkedHashMap<>();
        Map<String, String> aliases = new LinkedHashMap<>();
        for (Tunnel t : tunnels) {
            String name = listenerName(remoteAddr, t);
            listeners.add(name);
            listenerTraffic.put(name, perTunnel.apply(t));
            switch (t.type()) {
                case HTTP -> http.computeIfAbsent(httpKey(t), k -> new ArrayList<>()).add(name);
                case TCP -> tcp.put(tcpAddress + ":" + portOf(t.host()), name);
                case SNI -> tcp.put(tcpAddress + ":" + t.bindPort() + "-" + t.host(), name);
                case ALIAS -> aliases.put(t.host(), name);
            }
        }
        return new ClientInfo(remoteAddr, user, version, sessionId, pubKey, fingerprint, listeners, http, tcp, aliases,
                connectedAt, traffic, listenerTraffic);
    }

    /** sish: fmt.Sprintf("%s%s%s", userPass, HTTPUrl.Hostname(), HTTPUrl.Path). */
    static String httpKey(Tunnel t) {
        String user = t.options().user();
        String password = t.options().password();
        boolean auth = (user != null && !user.isEmpty()) || (password != null && !password.isEmpty());
        String userPass = auth ? (user == null ? "" : user) + ":" + (password == null ? "" : password) + "@" : "";
        return userPass + t.host() + t.options().path();
    }

    private static String portOf(String hostPort) {
        return hostPort.substring(hostPort.lastIndexOf(':') + 1);
    }
}
