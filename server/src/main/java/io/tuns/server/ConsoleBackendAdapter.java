package io.tuns.server;

import io.tuns.server.console.ChannelFigures;
import io.tuns.server.console.ClientInfo;
import io.tuns.server.console.ConsoleBackend;
import io.tuns.server.console.ConsoleTokenBook;
import io.tuns.server.console.RouteListeners;
import io.tuns.server.console.TunnelInfo;
import io.tuns.server.ssh.ChannelTraffic;
import io.tuns.server.ssh.ClientConnection;
import io.tuns.server.tunnel.PublicUrls;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelRegistry;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/** What the consoles see of the core: tunnels by host, ssh clients in sish's JSON terms, and disconnects. */
final class ConsoleBackendAdapter implements ConsoleBackend {

    private final TunnelRegistry registry;
    private final Supplier<List<ClientConnection>> connections;
    private final Supplier<PublicUrls> urls;
    private final Supplier<InetSocketAddress> httpAddress;
    private final ConsoleTokenBook tokenBook;
    private final String tcpAddress;

    /** @param tcpAddress --tcp-address: sish keys TCP listeners in its clients JSON by it */
    ConsoleBackendAdapter(TunnelRegistry registry, Supplier<List<ClientConnection>> connections,
                          Supplier<PublicUrls> urls, Supplier<InetSocketAddress> httpAddress,
                          ConsoleTokenBook tokenBook, String tcpAddress) {
        this.tokenBook = tokenBook;
        this.tcpAddress = tcpAddress;
        this.registry = registry;
        this.connections = connections;
        this.urls = urls;
        this.httpAddress = httpAddress;
    }

    @Override
    public Optional<TunnelInfo> tunnelForHost(String host) {
        return registry.httpTunnel(host).map(t -> new TunnelInfo(t.host(), urls.get().http(t.host()), consoleToken(t)));
    }

    /** The book's token wins over the one the tunnel started with, so a rotation revokes the printed link. */
    private String consoleToken(Tunnel t) {
        return tokenBook.current(t.host(), t.owner().keyFingerprint()).orElse(t.consoleToken());
    }

    @Override
    public Optional<String> rotateConsoleToken(String host) {
        return registry.httpTunnel(host).flatMap(t -> tokenBook.rotate(t.host(), t.owner().keyFingerprint()));
    }

    @Override
    public List<ClientInfo> clients() {
        List<ClientInfo> out = new ArrayList<>();
        for (ClientConnection c : connections.get()) {
            out.add(RouteListeners.client(c.remoteAddress(), c.user(), c.clientVersion(), c.sessionId(),
                    c.publicKey() == null ? "" : c.publicKey(), c.keyFingerprint() == null ? "" : c.keyFingerprint(),
                    c.tunnels(), tcpAddress, c.startedAt(), figures(c.traffic(), c.startedAt()),
                    t -> figures(c.traffic(t), t.createdAt())));
        }
        return out;
    }

    private static ChannelFigures figures(ChannelTraffic t, Instant since) {
        return new ChannelFigures(t.openChannels(), t.bytesIn(), t.bytesOut(), since);
    }

    @Override
    public boolean disconnectClient(String remoteAddr) {
        for (ClientConnection c : connections.get()) {
            if (c.remoteAddress().equals(remoteAddr)) {
                c.disconnect();
                return true;
            }
        }
        return false;
    }

    /**
     * sish ignores the type ({@code httplistener}, {@code tcpalias}, {@code listener}) and closes the listener the
     * decoded name is; its console sends an HTTP route's list of names joined by commas. tuns also takes
     * {@code http/<host>}, as before.
     */
    @Override
    public boolean disconnectRoute(String type, String route) {
        List<String> names = List.of(route.split(","));
        boolean found = false;
        for (ClientConnection c : connections.get()) {
            for (Tunnel t : c.tunnels()) {
                if (names.contains(RouteListeners.listenerName(c.remoteAddress(), t))) {
                    t.owner().closeTunnel(t, "closed by an administrator");
                    found = true;
                }
            }
        }
        if (!found && "http".equals(type)) {
            Optional<Tunnel> t = registry.httpTunnel(route);
            t.ifPresent(tunnel -> tunnel.owner().closeTunnel(tunnel, "closed by an administrator"));
            return t.isPresent();
        }
        return found;
    }

    @Override
    public InetSocketAddress httpListenAddress() {
        return httpAddress.get();
    }
}
