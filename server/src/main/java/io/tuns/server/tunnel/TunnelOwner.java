package io.tuns.server.tunnel;

import java.net.InetSocketAddress;

/** The ssh connection that holds a tunnel: opens channels back to the ssh client and talks to its session. */
public interface TunnelOwner {

    /** Remote address of the ssh client, {@code ip:port}; also the connection id in metrics and the admin API. */
    String remoteAddress();

    String user();

    /** {@code SHA256:...} of the key the client authenticated with, or null (password or no auth). */
    String keyFingerprint();

    /**
     * Opens a {@code forwarded-tcpip} channel for one incoming connection. The sink hears the outcome; never
     * blocks. Fails the open at once (REFUSED or CLOSED) when a channel limit is reached.
     */
    void openChannel(Tunnel tunnel, InetSocketAddress origin, ChannelSink sink);

    /** A line for the user's ssh session (dropped when the session's bounded queue is full). */
    void message(String line);

    /** Removes one of this owner's tunnels (admin action); the user is told why. */
    void closeTunnel(Tunnel tunnel, String why);

    /** Called when the registry took a tunnel away from this owner (same key reconnected elsewhere). */
    void tunnelTakenOver(Tunnel tunnel);
}
