package io.tuns.server.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.tuns.server.access.IpFilter;
import io.tuns.server.config.ConfigLoader;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.tcp.PortRange;
import io.tuns.server.tcp.SniListeners;
import io.tuns.server.tcp.TcpListeners;
import io.tuns.server.tcp.TcpPortAllocator;
import io.tuns.server.tunnel.ForwardOwnership;
import io.tuns.server.tunnel.LocalRouteStore;
import io.tuns.server.tunnel.RouteHolder;
import io.tuns.server.tunnel.RouteLocation;
import io.tuns.server.tunnel.TunnelRegistry;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * TCP ports in a cluster, as node a's allocator decides them against a store where node b holds some ports: a port
 * the store says another key holds is passed over like a taken one (sish's "unavailable" line, then a random
 * port, never one held elsewhere either), the same key takes its port over from b, and a range held entirely
 * elsewhere is refused. Real listeners on loopback ports free at the start; the store is the in-memory one with
 * two nodes' leases, as the contract tests use it for a cluster.
 */
class TcpAllocatorTest {

    static EventLoopGroup loops;
    static ServerConfig cfg;
    final LocalRouteStore store = new LocalRouteStore();
    final List<Allocation> granted = new ArrayList<>();

    @BeforeAll
    static void start() {
        loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        cfg = ConfigLoader.fromArgs();
    }

    @AfterAll
    static void stop() {
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @AfterEach
    void release() {
        granted.forEach(a -> a.release().run());
    }

    /** Three ports free now, as a --port-bind-range list. */
    static List<Integer> freePorts() throws Exception {
        List<Integer> ports = new ArrayList<>();
        List<ServerSocket> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ServerSocket s = new ServerSocket(0);
            held.add(s);
            ports.add(s.getLocalPort());
        }
        for (ServerSocket s : held) {
            s.close();
        }
        return ports;
    }

    /**
     * @param heldByB indices (of three ports) node b holds, "-" for none; the requested port is index 0
     * @param bKey    the key b holds them for: "same" as the requester, or "other"
     * @param expect  the index granted, "random" (index 1 or 2, whichever is not held), or "refused"
     */
    @ParameterizedTest(name = "b holds {0} for the {1} key, forced {2} -> {3}, unavailable line {4}")
    @CsvSource(delimiter = ';', textBlock = """
            -      ; other ; false ; 0       ; false
            0      ; other ; false ; random  ; true
            0 1    ; other ; false ; 2       ; true
            0 2    ; other ; false ; 1       ; true
            0 1 2  ; other ; false ; refused ; false
            0      ; same  ; false ; 0       ; false
            0 1 2  ; same  ; false ; 0       ; false
            0      ; other ; true  ; refused ; true
            1 2    ; other ; false ; 0       ; false
            """)
    void aPortHeldOnAnotherNodeIsPassedOverUnlessTheSameKeyTakesItOver(String heldByB, String bKey, boolean forced,
                                                                         String expect, boolean unavailableLine)
            throws Exception {
        List<Integer> ports = freePorts();
        store.join("a", "127.0.0.1:1", Duration.ZERO);
        store.join("b", "127.0.0.2:1", Duration.ZERO);
        HttpAllocatorTest.Owner user = new HttpAllocatorTest.Owner("SHA256:user");
        if (!heldByB.equals("-")) {
            for (String i : heldByB.split(" ")) {
                RouteHolder b = new RouteHolder("b", bKey.equals("same") ? user.keyFingerprint() : "SHA256:other");
                assertThat(store.claim("tcp|localhost:" + ports.get(Integer.parseInt(i)), b, false)
                        .toCompletableFuture().get().holds()).isTrue();
            }
        }
        TunnelRegistry registry = new TunnelRegistry(store, "a", Runnable::run, Duration.ofSeconds(1));
        String range = ports.get(0) + "," + ports.get(1) + "," + ports.get(2);
        TcpPortAllocator.Settings portSettings = new TcpPortAllocator.Settings(false, forced, range, false, "",
                false, false);
        TcpAllocator allocator = new TcpAllocator(new TcpAllocator.Settings("localhost", false, portSettings),
                registry, new ForwardOwnership(ForwardOwnership.Settings.strict("localhost")),
                new TcpListeners(cfg, IpFilter.of(List.of(), List.of()), loops, loops, MemoryBudget.off()),
                new SniListeners(cfg, IpFilter.of(List.of(), List.of()), registry, loops, loops, MemoryBudget.off()),
                PortRange.parse(range));
        List<String> notices = new ArrayList<>();
        Allocation a = allocator.allocate(new ForwardRequest("127.0.0.1", ports.get(0), user, "u",
                user.keyFingerprint(), SessionOptions.parse(null), 0), notices::add);
        String unavailable = SessionText.tcpPortUnavailable(ports.get(0), forced);
        List<String> said = new ArrayList<>(notices);
        if (!a.isGranted()) {
            said.add(a.refusal());
        }
        assertThat(said.contains(unavailable)).as("sish's line in %s", said).isEqualTo(unavailableLine);
        if (expect.equals("refused")) {
            assertThat(a.isGranted()).isFalse();
            return;
        }
        assertThat(a.isGranted()).as("granted: %s", said).isTrue();
        granted.add(a);
        int got = Integer.parseInt(a.tunnel().routeKey().substring("localhost:".length()));
        List<Integer> heldElsewhere = heldByB.equals("-") || bKey.equals("same") ? List.of()
                : List.of(heldByB.split(" ")).stream().map(i -> ports.get(Integer.parseInt(i))).toList();
        if (expect.equals("random")) {
            assertThat(got).isIn(ports.get(1), ports.get(2));
        } else {
            assertThat(got).isEqualTo(ports.get(Integer.parseInt(expect)));
        }
        assertThat(heldElsewhere).as("a port another node holds is never given").doesNotContain(got);
        Optional<RouteLocation> now = store.lookup(List.of("tcp|localhost:" + got)).toCompletableFuture().get();
        assertThat(now).as("the store names this node as the port's holder")
                .hasValueSatisfying(l -> assertThat(l.holder().node()).isEqualTo("a"));
    }
}
