package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.tunnel.RouteHolder;
import io.tuns.server.tunnel.RouteLocation;
import io.tuns.server.tunnel.Tunnel;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HopReuseTest {

    static final List<String> KEYS = List.of("http|app.x/api", "http|app.x");
    static final RouteLocation AT_B = at("http|app.x", "b", "SHA256:k", "10.0.0.2:7400");
    static final long S = 1_000_000_000L;

    static RouteLocation at(String route, String node, String key, String address) {
        return new RouteLocation(route, new RouteHolder(node, key), address);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "same place 1 s later,       SAME",
            "same place 4.9 s later,     SAME",
            "same place 5 s later,       NEW_AFTER_IDLE",
            "same place clock went back, NEW_AFTER_IDLE",
            "no hop before,              NEW",
            "another node,               NEW",
            "another key took it over,   NEW",
            "another route of the keys,  NEW",
            "another address,            NEW",
            "other route keys,           NEW",
    })
    void aRequestGoesOnTheLastHopOnlyToTheSamePlaceAndOnlyWhileFresh(String change, HopReuse.Next expected) {
        RouteLocation last = change.equals("no hop before") ? null : AT_B;
        RouteLocation now = switch (change) {
            case "another node" -> at("http|app.x", "c", "SHA256:k", "10.0.0.2:7400");
            case "another key took it over" -> at("http|app.x", "b", "SHA256:other", "10.0.0.2:7400");
            case "another route of the keys" -> at("http|app.x/api", "b", "SHA256:k", "10.0.0.2:7400");
            case "another address" -> at("http|app.x", "b", "SHA256:k", "10.0.0.9:7400");
            default -> AT_B;
        };
        List<String> keys = change.equals("other route keys") ? List.of("http|app.x") : KEYS;
        long later = change.contains("4.9") ? 49 * S / 10 : change.contains("5 s") ? 5 * S
                : change.contains("back") ? -S : S;
        assertThat(HopReuse.next(last, KEYS, 0, now, keys, later, 5 * S)).isEqualTo(expected);
    }

    @Test
    void makesANewTunnelOnlyWhenThePlaceChangedOrTheConnectionSatTooLong() {
        HopReuse reuse = new HopReuse(Duration.ofSeconds(5));
        AtomicInteger made = new AtomicInteger();
        Supplier<Tunnel> make = () -> {
            made.incrementAndGet();
            return new Tunnel(Tunnel.TunnelType.HTTP, "app.x", "", 80, null, null, Instant.now());
        };
        Tunnel first = reuse.tunnelTo(AT_B, KEYS, 0, make);
        assertThat(reuse.lastStep()).isEqualTo(HopReuse.Next.NEW);
        assertThat(reuse.tunnelTo(AT_B, List.copyOf(KEYS), 4 * S, make)).isSameAs(first);
        assertThat(reuse.lastStep()).isEqualTo(HopReuse.Next.SAME);
        assertThat(reuse.tunnelTo(AT_B, KEYS, 8 * S, make)).as("used at 4 s: still fresh").isSameAs(first);
        Tunnel moved = reuse.tunnelTo(at("http|app.x", "c", "SHA256:k", "10.0.0.3:7400"), KEYS, 9 * S, make);
        assertThat(moved).isNotSameAs(first);
        Tunnel idle = reuse.tunnelTo(at("http|app.x", "c", "SHA256:k", "10.0.0.3:7400"), KEYS, 15 * S, make);
        assertThat(reuse.lastStep()).isEqualTo(HopReuse.Next.NEW_AFTER_IDLE);
        assertThat(reuse.stale()).as("its connection is closed, not pooled").isSameAs(moved);
        assertThat(idle).isNotSameAs(moved);
        reuse.tunnelTo(at("http|app.x", "c", "SHA256:k", "10.0.0.3:7400"), KEYS, 16 * S, make);
        assertThat(reuse.stale()).isNull();
        assertThat(made).hasValue(3);
    }
}
