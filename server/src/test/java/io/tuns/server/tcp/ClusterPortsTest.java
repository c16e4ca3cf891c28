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
