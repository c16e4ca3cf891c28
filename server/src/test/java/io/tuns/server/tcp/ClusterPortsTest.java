package io.tuns.server.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.cluster.ClusterEvents;
import io.tuns.server.cluster.ClusterHop;
import io.tuns.server.tunnel.LocalRouteStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClusterPortsTest {

    /** Sets as space-separated ports of tcp|x:P routes; "-" = none. */
    @ParameterizedTest(name = "mirrored={0} remote={1} → open {2}, close {3}")
    @CsvSource(delimiter = ';', textBlock = """
            -          ; -          ; -     ; -
            -          ; 2000       ; 2000  ; -
            2000       ; 2000       ; -     ; -
            2000       ; -          ; -     ; 2000
            2000 2001  ; 2001 2002  ; 2002  ; 2000
            """)
    void plansWhatToOpenAndClose(String mirrored, String remote, String open, String close) {
        ClusterPorts.Plan plan = ClusterPorts.Plan.of(routes(mirrored), routes(remote));
        assertThat(plan.open()).isEqualTo(routes(open));
        assertThat(plan.close()).isEqualTo(routes(close));
    }

    /** A full read begun before the feed told of a route does not undo what the feed said (it is newer). */
    @ParameterizedTest(name = "mirrored={0} remote={1} told since={2} → open {3}, close {4}")
    @CsvSource(delimiter = ';', textBlock = """
            -          ; 2000       ; 2000       ; -     ; -
            2000       ; -          ; 2000       ; -     ; -
            2000       ; -          ; 2001       ; -     ; 2000
            2000 2001  ; 2001 2002  ; 2000 2002  ; -     ; -
            2000 2001  ; 2001 2002  ; -          ; 2002  ; 2000
            """)
    void aReadOlderThanTheFeedLeavesTheFeedsRoutesAlone(String mirrored, String remote, String fresh, String open,
                                                        String close) {
        ClusterPorts.Plan plan = ClusterPorts.Plan.of(routes(mirrored), routes(remote)).without(routes(fresh));
        assertThat(plan.open()).isEqualTo(routes(open));
        assertThat(plan.close()).isEqualTo(routes(close));
    }

    /** The full read is the feed's safety net: every 10th beat while the feed reads, every beat while it does not. */
    @ParameterizedTest(name = "beats {0}, feed connected {1} → read {2}")
    @CsvSource({
            "1,  true,  false",
            "9,  true,  false",
            "10, true,  true",
            "11, true,  true",
            "1,  false, true",
            "5,  false, true",
    })
    void readsTheStoreWhenTheFeedCannotBeTrusted(int beats, boolean feedConnected, boolean due) {
        assertThat(ClusterPorts.pollDue(beats, feedConnected)).isEqualTo(due);
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = ';', textBlock = """
            tcp|tuns.example.com:2000 ; 2000
            tcp|localhost:65535       ; 65535
            tcp|localhost:0           ; -1
            tcp|localhost:70000       ; -1
            tcp|localhost:x           ; -1
            alias|db:5432             ; -1
            sni|a.example.com         ; -1
            """)
    void readsThePortOfATcpRoute(String route, int port) {
        assertThat(ClusterPorts.port(route)).isEqualTo(port);
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = ';', textBlock = """
            sni-port|a:5000         ; 5000
            sni-port|node-1:65535   ; 65535
            sni-port|a:0            ; -1
            sni-port|a              ; -1
            tcp|localhost:5000      ; -1
            sni|a.example.com       ; -1
            """)
    void readsThePortOfAnSniPortMark(String route, int port) {
        assertThat(ClusterPorts.sniPort(route)).isEqualTo(port);
    }

    /** What the SNI listeners were told; stands for {@link SniListeners}, whose binding ClusterIT checks for real. */
    private static final class Mirror implements ClusterPorts.SniMirror {
        final List<String> calls = new ArrayList<>();
        boolean bindable = true;

        @Override
        public boolean mirror(int port) {
            calls.add("mirror " + port);
            return bindable;
        }

        @Override
        public void unmirror(int port) {
            calls.add("unmirror " + port);
        }
    }

    private static ClusterPorts ports(Mirror mirror) {
        ClusterHop hop = new ClusterHop(new LocalRouteStore(), "self", Duration.ofSeconds(1), ClusterEvents.NONE);
        return new ClusterPorts(null, hop, null, null, null, mirror); // no TCP wiring: SNI marks only
    }

    @Test
    void anSniPortIsMirroredWhileAnyOtherNodeMarksItAndNeverForThisNodesOwnMark() {
        Mirror mirror = new Mirror();
        ClusterPorts ports = ports(mirror);
        ports.reconcileSni(Map.of("sni-port|self:4000", "self", "sni-port|b:5000", "b", "sni-port|c:5000", "c",
                "tcp|x:6000", "b"));
        assertThat(mirror.calls).as("one listener for port 5000; not this node's own port, not TCP")
                .containsExactly("mirror 5000");
        ports.reconcileSni(Map.of("sni-port|c:5000", "c"));
        assertThat(mirror.calls).as("c still uses it").containsExactly("mirror 5000");
        ports.routeAppeared("sni-port|self:5000"); // as a change feed would tell it
        ports.reconcileSni(Map.of());
        assertThat(mirror.calls).containsExactly("mirror 5000", "unmirror 5000");
    }

    @Test
    void aPortTakenOtherwiseIsTriedAgainAtTheNextReconcileAndCloseReleasesEveryMirror() {
        Mirror mirror = new Mirror();
        ClusterPorts ports = ports(mirror);
        mirror.bindable = false;
        ports.reconcileSni(Map.of("sni-port|b:5000", "b"));
        mirror.bindable = true;
        ports.reconcileSni(Map.of("sni-port|b:5000", "b", "sni-port|b:5001", "b"));
        assertThat(mirror.calls).containsExactly("mirror 5000", "mirror 5000", "mirror 5001");
        ports.close();
        assertThat(mirror.calls).containsExactly("mirror 5000", "mirror 5000", "mirror 5001", "unmirror 5000",
                "unmirror 5001");
    }

    private static Set<String> routes(String ports) {
        if (ports.equals("-")) {
            return Set.of();
        }
        return Set.of(ports.split(" ")).stream().map(p -> "tcp|x:" + p).collect(java.util.stream.Collectors.toSet());
    }
}
