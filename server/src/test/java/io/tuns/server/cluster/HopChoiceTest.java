package io.tuns.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.tunnel.RouteHolder;
import io.tuns.server.tunnel.RouteLocation;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HopChoiceTest {

    @ParameterizedTest(name = "held by {0}, tried {1}: {2}")
    @CsvSource(nullValues = "-", value = {
        // holder, tried, choice
        "-,    -, LOCAL",     // nobody holds it: this node's 404
        "a,    -, LOCAL",     // held here but no local tunnel (it is leaving): answered here, never forwarded
        "b,    -, FORWARD",   // another node: one hop
        "-,    b, GIVE_UP",   // b said NOT_HERE and now nobody holds it: 502
        "a,    b, GIVE_UP",   // b said NOT_HERE and the store names this node: 502, not a local 404
        "b,    b, GIVE_UP",   // the same node again: no second try there
        "c,    b, FORWARD",   // moved to c: one try there
    })
    void choices(String holder, String tried, HopChoice.Kind expected) {
        Optional<RouteLocation> where = holder == null ? Optional.empty()
                : Optional.of(new RouteLocation("http|app.localhost", new RouteHolder(holder, "SHA256:k"),
                        "127.0.0.1:7000"));
        assertThat(HopChoice.choose(where, "a", tried)).isEqualTo(expected);
    }
}
