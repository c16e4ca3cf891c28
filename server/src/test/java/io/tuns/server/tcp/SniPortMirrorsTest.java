package io.tuns.server.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** SNI ports other nodes mark, mirrored here: which ports open and close, and when. */
class SniPortMirrorsTest {

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
        assertThat(SniPortMirrors.port(route)).isEqualTo(port);
    }

    /** What the SNI listeners were told; stands for {@link SniListeners}, whose binding ClusterIT checks for real. */
    private static final class Mirror implements SniPortMirrors.SniMirror {
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

    private static SniPortMirrors ports(Mirror mirror) {
        return new SniPortMirrors("self", mirror);
    }

    @Test
    void anSniPortIsMirroredWhileAnyOtherNodeMarksItAndNeverForThisNodesOwnMark() {
        Mirror mirror = new Mirror();
        SniPortMirrors ports = ports(mirror);
        ports.reconcile(Map.of("sni-port|self:4000", "self", "sni-port|b:5000", "b", "sni-port|c:5000", "c",
                "tcp|x:6000", "b"));
        assertThat(mirror.calls).as("one listener for port 5000; not this node's own port, not TCP")
                .containsExactly("mirror 5000");
        ports.reconcile(Map.of("sni-port|c:5000", "c"));
        assertThat(mirror.calls).as("c still uses it").containsExactly("mirror 5000");
        ports.appeared("sni-port|self:5000"); // as a change feed would tell it
        ports.reconcile(Map.of());
        assertThat(mirror.calls).containsExactly("mirror 5000", "unmirror 5000");
    }

    @Test
    void aPortTakenOtherwiseIsTriedAgainAtTheNextReconcileAndCloseReleasesEveryMirror() {
        Mirror mirror = new Mirror();
        SniPortMirrors ports = ports(mirror);
        mirror.bindable = false;
        ports.reconcile(Map.of("sni-port|b:5000", "b"));
        mirror.bindable = true;
        ports.reconcile(Map.of("sni-port|b:5000", "b", "sni-port|b:5001", "b"));
        assertThat(mirror.calls).containsExactly("mirror 5000", "mirror 5000", "mirror 5001");
        ports.close();
        assertThat(mirror.calls).containsExactly("mirror 5000", "mirror 5000", "mirror 5001", "unmirror 5000",
                "unmirror 5001");
    }
}
