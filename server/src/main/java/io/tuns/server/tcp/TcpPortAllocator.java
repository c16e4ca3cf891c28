package io.tuns.server.tcp;

import io.netty.channel.Channel;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.tunnel.Tunnel;
import java.util.Collection;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;

/**
 * Finds and binds the public port for one TCP forward, following sish's policy: the requested port when it
 * is free and inside {@code --port-bind-range}, else a random one (or a refusal with
 * {@code --force-requested-ports}). Random picks are tried a bounded number of times (sish recurses forever).
 */
public final class TcpPortAllocator {

    static final int MAX_RANDOM_ATTEMPTS = 32;

    /** The bound listener (or a failure sentence), lines for the user, and where to put the tunnel. */
    public record Result(Channel server, AtomicReference<Tunnel> tunnelRef, int unavailablePort, String failure) {
    }

    /** The flags the port choice reads. */
    public record Settings(boolean bindRandomPorts, boolean forceRequestedPorts, String portBindRange,
                           boolean forceTcpAddress, String tcpAddress, boolean localhostAsAll) {

        public static Settings of(ServerConfig c) {
            return new Settings(c.bindRandomPorts(), c.forceRequestedPorts(), c.portBindRange(), c.forceTcpAddress(),
                    c.tcpAddress(), c.localhostAsAll());
        }
    }

    private final Settings s;
    private final TcpListeners listeners;
    private final PortRange range;

    public TcpPortAllocator(Settings settings, TcpListeners listeners, PortRange range) {
        this.s = settings;
        this.listeners = listeners;
        this.range = range;
    }

    public Result bind(String bindAddress, int port, String tcpAddressOption,
                       BiFunction<AtomicReference<Tunnel>, Collection<Tunnel>, Tunnel> lookup) {
        AtomicReference<Tunnel> ref = new AtomicReference<>();
        int unavailable = 0; // the requested port, when it could not be had and a random one is tried (sish's line)
        String host = bindHost(bindAddress, tcpAddressOption);
        boolean random = port == 0 || s.bindRandomPorts();
        if (port != 0 && s.bindRandomPorts()) {
            unavailable = port; // sish says the requested port is unavailable under --bind-random-ports too
        }
        if (!random && !range.contains(port)) {
            if (s.forceRequestedPorts()) {
                return new Result(null, ref, unavailable, "The TCP port " + port + " is outside the ports this server "
                        + "allows (--port-bind-range " + s.portBindRange() + ").");
            }
            unavailable = port;
            random = true;
        }
        if (!random) {
            try {
                return new Result(listeners.bind(host, port, tried -> lookup.apply(ref, tried)), ref, unavailable, null);
            } catch (Exception e) {
                if (s.forceRequestedPorts()) {
                    return new Result(null, ref, unavailable, "The TCP port " + port + " is unavailable.");
                }
                unavailable = port;
            }
        }
        for (int i = 0; i < MAX_RANDOM_ATTEMPTS; i++) {
            int candidate = range.random();
            if (candidate == 0 && !range.anyAllowed()) {
                break;
            }
            try {
                return new Result(listeners.bind(host, candidate, tried -> lookup.apply(ref, tried)), ref, unavailable, null);
            } catch (Exception e) {
                // taken: try another
            }
        }
        if (range.anyAllowed()) {
            try {
                return new Result(listeners.bind(host, 0, tried -> lookup.apply(ref, tried)), ref, unavailable, null);
            } catch (Exception e) {
                return new Result(null, ref, unavailable, "No TCP port could be bound on " + host + ": " + e.getMessage());
            }
        }
        return new Result(null, ref, unavailable, "No free TCP port was found in --port-bind-range " + s.portBindRange() + ".");
    }

    /** sish: {@code --force-tcp-address}, then {@code localhost} → {@code --tcp-address} (localhost-as-all), then the client's. */
    private String bindHost(String bindAddress, String tcpAddressOption) {
        String addr = bindAddress.trim().toLowerCase(Locale.ROOT);
        if (s.forceTcpAddress()) {
            return s.tcpAddress();
        }
        if (tcpAddressOption != null && !tcpAddressOption.isBlank()) {
            return tcpAddressOption.trim();
        }
        if (addr.equals("localhost") && s.localhostAsAll() || addr.isEmpty() || addr.equals("*")) {
            return s.tcpAddress();
        }
        return addr.startsWith("[") ? addr.substring(1, addr.length() - 1) : addr;
    }
}
