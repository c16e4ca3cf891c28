package io.tuns.server.tcp;

import io.tuns.server.config.ServerConfig;
import java.util.Locale;
import java.util.function.IntPredicate;

/**
 * Finds the public port for one TCP or SNI forward ({@link #choose}), following sish's policy: the requested port
 * when it is free and inside {@code --port-bind-range}, else a random one (or a refusal with
 * {@code --force-requested-ports}). Random picks are tried a bounded number of times (sish recurses forever).
 */
public final class TcpPortAllocator {

    static final int MAX_RANDOM_ATTEMPTS = 32;

    /** No "unavailable" line: sish says nothing about the requested port. */
    public static final int NONE = -1;

    /** Why no port was given; {@code ssh/SessionText.portFailure} words it for the user. */
    public enum Failure {
        /** --bind-random-ports with --force-requested-ports */
        RANDOM_ENFORCED,
        /** an empty --port-bind-range accepts no requested port */
        EMPTY_RANGE,
        OUTSIDE_RANGE,
        /** the requested port is held (another process, or a tunnel when forced) */
        IN_USE,
        /** every random pick was taken */
        NO_FREE_PORT,
        /** not even a system-chosen port could be bound */
        BIND_FAILED
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

    /** What sish does when the requested port passed the range check but could not be bound. */
    public enum AfterBindFailure {
        /** report the port unavailable, then take a random one */
        RANDOM_REPORTED,
        /** report the port unavailable and refuse ({@code --force-requested-ports}) */
        REFUSE_REPORTED,
        /** refuse without sish's line: sish learns of the clash only when its Listen fails */
        REFUSE_SILENT
    }

    /**
     * sish's checkPort sees a clash only with its own forwards ({@code state.TCPListeners}, TCP and SNI) or, with
     * {@code --tcp-load-balancer}/{@code --sni-load-balancer}, by a trial Listen; then it reports the port and
     * picks a random one. A port another process holds passes the check and the forward's own Listen fails:
     * tcphandler.go returns the error and requests.go replies false, with no line in the session. tuns does the
     * same (and adds its reason in parentheses): a client that asked for one port and was granted it believes it
     * listens there, so a silent random port would mislead scripts written for sish ({@code ExitOnForwardFailure}).
     *
     * @param heldByTunnel a TCP or SNI forward of this server listens on the port
     * @param loadBalancer {@code --tcp-load-balancer} or {@code --sni-load-balancer}
     */
    public static AfterBindFailure afterBindFailure(boolean heldByTunnel, boolean loadBalancer,
                                                    boolean forceRequestedPorts) {
        if (!heldByTunnel && !loadBalancer) {
            return AfterBindFailure.REFUSE_SILENT;
        }
        return forceRequestedPorts ? AfterBindFailure.REFUSE_REPORTED : AfterBindFailure.RANDOM_REPORTED;
    }

    /**
     * Whether a requested port this node mirrors for another node's forward ({@link ClusterPorts}) is claimed in the
     * store first, taking it over when the same key holds it there (a client that reconnected through this node):
     * only when sish's first step would try the requested port and no forward of this node has it. Claimed, the
     * mirror yields and the port is bound here at once; refused (another key), sish's "unavailable" path follows.
     *
     * @param mirrored     this node listens on the port for another node ({@link TcpListeners#heldElsewhere})
     * @param heldLocally  a TCP or SNI forward of this node has the port
     */
    public static boolean claimBeforeBind(FirstStep first, boolean mirrored, boolean heldLocally) {
        return first == FirstStep.TRY_REQUESTED && mirrored && !heldLocally;
    }

    /** The flags the port choice reads. */
    public record Settings(boolean bindRandomPorts, boolean forceRequestedPorts, String portBindRange,
                           boolean forceTcpAddress, String tcpAddress, boolean localhostAsAll, boolean loadBalancer) {

        public static Settings of(ServerConfig c) {
            return new Settings(c.bindRandomPorts(), c.forceRequestedPorts(), c.portBindRange(), c.forceTcpAddress(),
                    c.tcpAddress(), c.localhostAsAll(), c.tcpLoadBalancer() || c.sniLoadBalancer());
        }
    }

    /** Binds one port with what a forward kind binds (a TCP listener, a share of an SNI listener). */
    @FunctionalInterface
    public interface Binder<T> {
        /** @throws Exception when the port cannot be had (in use, not permitted) */
        T bind(int port) throws Exception;
    }

    /** What {@link #choose} bound, with sish's reported port, or why nothing was bound. */
    public record Choice<T>(T bound, int unavailablePort, Failure failure) {
    }

    /**
     * sish's port choice for TCP and SNI forwards alike (both go through its GetOpenPort): {@link #firstStep}, the
     * requested port, {@link #afterBindFailure}, then up to {@link #MAX_RANDOM_ATTEMPTS} random ports of the range
     * (sish recurses without bound) and a port the system picks when the range lists 0.
     */
    public static <T> Choice<T> choose(Settings s, PortRange range, int port, IntPredicate heldByTunnel,
                                       Binder<T> binder) {
        boolean accepted = range.accepts(port);
        int unavailable = NONE;
        switch (firstStep(port, accepted, s.bindRandomPorts(), s.forceRequestedPorts())) {
            case REFUSE_REPORTED -> {
                return new Choice<>(null, port, accepted ? Failure.RANDOM_ENFORCED
                        : s.portBindRange().isBlank() ? Failure.EMPTY_RANGE : Failure.OUTSIDE_RANGE);
            }
            case RANDOM_REPORTED -> unavailable = port;
            case RANDOM -> { }
            case TRY_REQUESTED -> {
                try {
                    return new Choice<>(binder.bind(port), NONE, null);
                } catch (Exception e) {
                    switch (afterBindFailure(heldByTunnel.test(port), s.loadBalancer(), s.forceRequestedPorts())) {
                        case REFUSE_SILENT -> {
                            return new Choice<>(null, NONE, Failure.IN_USE);
                        }
                        case REFUSE_REPORTED -> {
                            return new Choice<>(null, port, Failure.IN_USE);
                        }
                        case RANDOM_REPORTED -> unavailable = port;
                    }
                }
            }
        }
        for (int i = 0; i < MAX_RANDOM_ATTEMPTS; i++) {
            int candidate = range.random();
            if (candidate == 0 && !range.anyAllowed()) {
                break;
            }
            try {
                return new Choice<>(binder.bind(candidate), unavailable, null);
            } catch (Exception e) {
                // taken: try another
            }
        }
        if (range.anyAllowed()) {
            try {
                return new Choice<>(binder.bind(0), unavailable, null);
            } catch (Exception e) {
                return new Choice<>(null, NONE, Failure.BIND_FAILED);
            }
        }
        return new Choice<>(null, NONE, Failure.NO_FREE_PORT);
    }

    /** sish: {@code --force-tcp-address}, then {@code localhost} → {@code --tcp-address} (localhost-as-all), then the client's. */
    public static String bindHost(Settings s, String bindAddress, String tcpAddressOption) {
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
