package io.tuns.server.console;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

/** What the consoles need from the server core (implemented there). Calls must not block for long. */
public interface ConsoleBackend {

    /** The HTTP tunnel bound to this lower-case host, if any. */
    Optional<TunnelInfo> tunnelForHost(String host);

    /** Every connected ssh client. */
    List<ClientInfo> clients();

    /** Closes the ssh connection with this remote address; false if none. */
    boolean disconnectClient(String remoteAddr);

    /** Closes one forward; {@code type} is http, tcp, alias or sni, {@code route} the listener name. */
    boolean disconnectRoute(String type, String route);

    /**
     * Gives the HTTP tunnel on this host a new service-console token (the old link stops working; the same name and
     * key keep the new one). Empty when no such tunnel is bound or its client has no key.
     */
    Optional<String> rotateConsoleToken(String host);

    /** The local HTTP listener: replays are sent here with the tunnel's Host, so they go through the same tunnel. */
    InetSocketAddress httpListenAddress();
}
