package io.tuns.server;

import io.netty.channel.Channel;
import io.tuns.server.cluster.HopHeader;
import io.tuns.server.cluster.HopLanding;
import io.tuns.server.tunnel.TunnelRegistry;
import java.util.function.Consumer;

/** What a node puts in front of a connection another node passed to it, by how that connection entered. */
final class ClusterLandings implements HopLanding {

    private final TunnelRegistry registry;
    private final Consumer<Channel> installHttp;

    ClusterLandings(TunnelRegistry registry, Consumer<Channel> installHttp) {
        this.registry = registry;
        this.installHttp = installHttp;
    }

    @Override
    public boolean serves(String route, HopHeader.Entry entry) {
        return entry == HopHeader.Entry.HTTP && registry.servesLocally(route);
    }

    @Override
    public void land(Channel ch, String route, HopHeader.Entry entry) {
        installHttp.accept(ch);
    }
}
