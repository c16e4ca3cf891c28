package io.tuns.server.ssh;

import io.tuns.server.tunnel.ChannelSink;
import java.net.InetSocketAddress;

/** Opens a channel to an alias another cluster node holds, as that node's alias owner would answer it. */
@FunctionalInterface
public interface RemoteAliases {

    /** @param route the alias route ({@code alias|name:port}); the outcome, bytes and close go to {@code sink} */
    void open(String route, InetSocketAddress origin, ChannelSink sink);
}
