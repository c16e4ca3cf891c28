package io.tuns.server.tcp;

import io.netty.channel.Channel;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.tunnel.Tunnel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Finds and binds the public port for one TCP forward, following sish's policy: the requested port when it
 * is free and inside {@code --port-bind-range}, else a random one (or a refusal with
 * {@code --force-requested-ports}). Random picks are tried a bounded number of times (sish recurses forever).
 */
public final class TcpPortAllocator {

    static final int MAX_RANDOM_ATTEMPTS = 32;

    /** The bound listener (or a failure sentence), lines for the user, and where to put the tunnel. */
    public record Result(Channel server, AtomicReference<Tunnel> tunnelRef, List<String> notices, String failure) {
    }

    private final ServerConfig cfg;
    private final TcpListeners listeners;
    private final PortRange range;

    public TcpPortAllocator(ServerConfig cfg, TcpListeners listeners, PortRange range) {
        this.cfg = cfg;
        this.listeners = listeners;
        this.range = range;
    }

    public Result bind(String bindAddress, int port, String tcpAddressOption,
                       java.util.function.BiFunction<AtomicReference<Tunnel>, java.util.Collection<Tunnel>, Tunnel> lookup) {
        AtomicReference<Tunnel> ref = new AtomicReference<>();
        List<String> notices = new ArrayList<>();
        String host = bindHost(bindAddress, tcpAddressOption);
        boolean random = port == 0 || cfg.bindRandomPorts();
        if (!random && !range.contains(port)) {
            if (cfg.forceRequestedPorts()) {
                return new Result(null, ref, notices, "The TCP port " + port + " is outside the ports this server "
                        + "allows (--port-bind-range " + cfg.portBindRange() + ").");
            }
            notices.add("The TCP port " + port + " is unavailable. Assigning a random port.");
            random = true;
        }
        if (!random) {
            try {
                return new Result(listeners.bind(host, port, tried -> lookup.apply(ref, tried)), ref, notices, null);
            } catch (Exception e) {
                if (cfg.forceRequestedPorts()) {
                    return new Result(null, ref, notices, "The TCP port " + port + " is unavailable.");
                }
                notices.add("The TCP port " + port + " is unavailable. Assigning a random port.");
            }
        }
        for (int i = 0; i < MAX_RANDOM_ATTEMPTS; i++) {
            int candidate = range.random();
            if (candidate == 0 && !range.anyAllowed()) {
                break;
            }
            try {
                return new Result(listeners.bind(host, candidate, tried -> lookup.apply(ref, tried)), ref, notices, null);
            } catch (Exception e) {
                // taken: try another
            }
        }
        if (range.anyAllowed()) {
            try {
                return new Result(listeners.bind(host, 0, tried -> lookup.apply(ref, tried)), ref, notices, null);
            } catch (Exception e) {
                return new Result(null, ref, notices, "No TCP port could be bound on " + host + ": " + e.getMessage());
            }
        }
        return new Result(null, ref, notices, "No free TCP port was found in --port-bind-range " + cfg.portBindRange() + ".");
    }

    /** sish: {@code --force-tcp-address}, then {@code localhost} → {@code --tcp-address} (localhost-as-all), then the client's. */
    private String bindHost(String bindAddress, String tcpAddressOption) {
        String addr = bindAddress.trim().toLowerCase(Locale.ROOT);
        if (cfg.forceTcpAddress()) {
            return cfg.tcpAddress();
        }
        if (tcpAddressOption != null && !tcpAddressOption.isBlank()) {
            return tcpAddressOption.trim();
        }
        if (addr.equals("localhost") && cfg.localhostAsAll() || addr.isEmpty() || addr.equals("*")) {
            return cfg.tcpAddress();
        }
        return addr.startsWith("[") ? addr.substring(1, addr.length() - 1) : addr;
    }
}
