package io.tuns.server.console;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One ssh client, with what sish's {@code /_sish/api/clients} JSON reports about it.
 *
 * @param remoteAddr        "ip:port" of the ssh connection, also its key in the JSON and for disconnects
 * @param listeners         the connection's listener names (sish: unix socket paths or addresses)
 * @param httpListeners     "user:pass@host/path" → listener names (sish {@code routeListeners.httpListeners})
 * @param tcpListeners      TCP address (or address-sni) → listener name (sish {@code routeListeners.listeners})
 * @param tcpAliases        "alias:port" → listener name (sish {@code routeListeners.tcpAliases})
 * @param connectedAt       when the ssh connection was accepted (tuns; the admin console shows the uptime)
 * @param traffic           the connection's open channels and bytes, all tunnels together (tuns)
 * @param listenerTraffic   listener name → that tunnel's open channels, bytes and start (tuns)
 */
public record ClientInfo(String remoteAddr, String user, String version, String sessionId, String pubKey,
                         String pubKeyFingerprint, List<String> listeners, Map<String, List<String>> httpListeners,
                         Map<String, String> tcpListeners, Map<String, String> tcpAliases, Instant connectedAt,
                         ChannelFigures traffic, Map<String, ChannelFigures> listenerTraffic) {

    /** Without traffic figures (nothing counted yet). */
    public ClientInfo(String remoteAddr, String user, String version, String sessionId, String pubKey,
                      String pubKeyFingerprint, List<String> listeners, Map<String, List<String>> httpListeners,
                      Map<String, String> tcpListeners, Map<String, String> tcpAliases, Instant connectedAt) {
        this(remoteAddr, user, version, sessionId, pubKey, pubKeyFingerprint, listeners, httpListeners, tcpListeners,
                tcpAliases, connectedAt, ChannelFigures.NONE, Map.of());
    }
}
