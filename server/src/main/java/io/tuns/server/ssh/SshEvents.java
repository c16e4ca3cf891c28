package io.tuns.server.ssh;

import io.tuns.server.tunnel.Tunnel;

/** What the ssh side reports to the rest of the server (metrics, logs). Every method must return quickly. */
public interface SshEvents {

    default void connectionOpened(ClientConnection conn) {
    }

    default void connectionClosed(ClientConnection conn) {
    }

    default void authFailed(String method, String remoteAddress) {
    }

    /** A new connection was closed before its key exchange (--max-startups). */
    default void startupDropped() {
    }

    default void tunnelOpened(ClientConnection conn, Tunnel tunnel) {
    }

    default void tunnelClosed(ClientConnection conn, Tunnel tunnel) {
    }

    default void forwardRequest(String type, String result) {
    }

    default void channelOpened() {
    }

    default void channelClosed() {
    }

    default void channelOpenFailed(String reason) {
    }

    SshEvents NONE = new SshEvents() {
    };
}
