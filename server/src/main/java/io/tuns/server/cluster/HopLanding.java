package io.tuns.server.cluster;

import io.netty.channel.Channel;

/**
 * What the owner puts in front of a hop it accepted: the HTTP handlers, TLS termination and then HTTP, or a raw
 * bridge to the route's tunnel. The protocol edges know how; the listener only asks.
 */
public interface HopLanding {

    /** Whether a local tunnel serves {@code route} for a connection that entered as {@code entry}: else NOT_HERE. */
    boolean serves(String route, HopHeader.Entry entry);

    /** Adds the handlers of an accepted hop, on its event loop, right after the ACCEPT byte was written. */
    void land(Channel ch, String route, HopHeader.Entry entry);
}
