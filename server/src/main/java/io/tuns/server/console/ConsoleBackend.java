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

    /** The local HTTP listener: replays are sent here with the tunnel's Host, so they go through the same tunnel. */
    InetSocketAddress httpListenAddress();
}
