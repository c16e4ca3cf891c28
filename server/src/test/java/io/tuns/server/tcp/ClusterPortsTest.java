package io.tuns.server.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
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

    private static Set<String> routes(String ports) {
        if (ports.equals("-")) {
            return Set.of();
        }
        return Set.of(ports.split(" ")).stream().map(p -> "tcp|x:" + p).collect(java.util.stream.Collectors.toSet());
    }
}
