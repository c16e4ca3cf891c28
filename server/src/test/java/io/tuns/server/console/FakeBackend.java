package io.tuns.server.console;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link ConsoleBackend} with tunnels and clients set by the test; records disconnects. */
final class FakeBackend implements ConsoleBackend {

    final Map<String, TunnelInfo> tunnels = new ConcurrentHashMap<>();
    final List<ClientInfo> clients = new CopyOnWriteArrayList<>();
    final List<String> disconnectedClients = new CopyOnWriteArrayList<>();
    final List<String> disconnectedRoutes = new CopyOnWriteArrayList<>();
    volatile InetSocketAddress httpListen = new InetSocketAddress("127.0.0.1", 1);

    @Override
    public Optional<TunnelInfo> tunnelForHost(String host) {
        return Optional.ofNullable(tunnels.get(host));
    }

    @Override
    public List<ClientInfo> clients() {
        return new ArrayList<>(clients);
    }

    @Override
    public boolean disconnectClient(String remoteAddr) {
        disconnectedClients.add(remoteAddr);
        return true;
    }

    @Override
    public boolean disconnectRoute(String type, String route) {
        disconnectedRoutes.add(type + " " + route);
        return true;
    }

    @Override
    public Optional<String> rotateConsoleToken(String host) {
        TunnelInfo t = tunnels.get(host);
        if (t == null) {
            return Optional.empty();
        }
        String fresh = t.consoleToken() + "-rotated";
        tunnels.put(host, new TunnelInfo(t.host(), t.publicUrl(), fresh));
        return Optional.of(fresh);
    }

    @Override
    public InetSocketAddress httpListenAddress() {
        return httpListen;
    }
}
