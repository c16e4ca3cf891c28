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

    /** No "unavailable" line: sish says nothing about the requested port. */
    public static final int NONE = -1;

    /**
     * The bound listener, or why none was.
     *
     * @param unavailablePort the requested port sish reports unavailable (its "The TCP port %d is unavailable." line),
     *                        or {@link #NONE}; it can be 0
     * @param failure         null when bound; with an unavailable port, tuns' reason after sish's line ("it is in
     *                        use"), else a whole sentence for the user
     */
    public record Result(Channel server, AtomicReference<Tunnel> tunnelRef, int unavailablePort, String failure) {
    }

    /** What sish's {@code GetOpenPort} does with a request before any bind (utils.go, checkPort's first round). */
    public enum FirstStep {
        /** bind the requested port; if that fails, report it and take a random one (or refuse when forced) */
        TRY_REQUESTED,
        /** port 0 that the range accepts: any port, nothing said */
        RANDOM,
        /** report the requested port unavailable, then take a random one */
        RANDOM_REPORTED,
        /** report the requested port unavailable and refuse the forward ({@code --force-requested-ports}) */
        REFUSE_REPORTED
    }

    /**
     * sish: {@code if bind-random-ports || CheckPort(port) fails} it reports the port unavailable (port 0 too) and
     * picks a random one, {@code --force-requested-ports} turning the report into a refusal
     * ({@code tcpPort != bindPort} in tcphandler.go). A forced request for port 0 that the range accepts is still
     * granted: sish grants it whenever its random pick is 0 (always with an empty range), and any port is port 0.
     *
     * @param accepted the range accepts the port ({@link PortRange#accepts})
     */
    public static FirstStep firstStep(int port, boolean accepted, boolean bindRandomPorts, boolean forceRequestedPorts) {
        if (!bindRandomPorts && accepted) {
            return port == 0 ? FirstStep.RANDOM : FirstStep.TRY_REQUESTED;
        }
        if (forceRequestedPorts && !(port == 0 && accepted)) {
            return FirstStep.REFUSE_REPORTED;
        }
        return FirstStep.RANDOM_REPORTED;
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
        String host = bindHost(bindAddress, tcpAddressOption);
        boolean accepted = range.accepts(port);
        int unavailable = NONE;
        switch (firstStep(port, accepted, s.bindRandomPorts(), s.forceRequestedPorts())) {
            case REFUSE_REPORTED -> {
                return new Result(null, ref, port, accepted ? "random ports are enforced on this server"
                        : s.portBindRange().isBlank() ? "--port-bind-range is empty on this server"
                        : "it is outside --port-bind-range " + s.portBindRange());
            }
            case RANDOM_REPORTED -> unavailable = port;
            case RANDOM -> { }
            case TRY_REQUESTED -> {
                try {
                    return new Result(listeners.bind(host, port, tried -> lookup.apply(ref, tried)), ref, NONE, null);
                } catch (Exception e) {
                    if (s.forceRequestedPorts()) {
                        return new Result(null, ref, port, "it is in use");
                    }
                    unavailable = port;
                }
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
                return new Result(null, ref, NONE, "No TCP port could be bound on " + host + ": " + e.getMessage());
            }
        }
        return new Result(null, ref, NONE, "No free TCP port was found in --port-bind-range " + s.portBindRange() + ".");
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
