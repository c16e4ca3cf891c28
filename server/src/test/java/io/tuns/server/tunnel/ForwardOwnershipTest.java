package io.tuns.server.tunnel;

import static io.tuns.server.tunnel.ForwardOwnership.Verdict.CLAIM;
import static io.tuns.server.tunnel.ForwardOwnership.Verdict.JOIN;
import static io.tuns.server.tunnel.ForwardOwnership.Verdict.RANDOM;
import static io.tuns.server.tunnel.ForwardOwnership.Verdict.REFUSE;
import static io.tuns.server.tunnel.ForwardOwnership.Verdict.TAKE_OVER;
import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.tunnel.ForwardOwnership.Settings;
import io.tuns.server.tunnel.ForwardOwnership.Verdict;
import io.tuns.server.tunnel.Tunnel.TunnelType;
import io.tuns.server.tunnel.TunnelRegistryTest.Owner;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every ownership case of issue #14 as one row: who holds what, who asks for what, under which flags, and the
 * verdict. Owners: A1/A2 are two connections of key A, B1 is key B, N1/N2 are keyless (password) connections.
 */
class ForwardOwnershipTest {

    private static final Map<String, Owner> OWNERS = Map.of(
            "A1", new Owner("SHA256:A"), "A2", new Owner("SHA256:A"), "B1", new Owner("SHA256:B"),
            "N1", new Owner(null), "N2", new Owner(null));

    private static final Settings STRICT = Settings.strict("d");
    private static final Settings HTTP_LB = new Settings("d", true, false, false, false, false);
    private static final Settings ALL_LB = new Settings("d", true, true, true, true, false);
    private static final Settings SHARED = new Settings("d", true, true, true, true, true);

    /** {@code "A1 http app.d/admin"}: owner, kind, host and optional path. */
    static Tunnel t(String spec) {
        String[] f = spec.split(" ");
        TunnelType type = TunnelType.valueOf(f[1].toUpperCase());
        String hostPath = f[2];
        int slash = hostPath.indexOf('/');
        String host = slash < 0 ? hostPath : hostPath.substring(0, slash);
        String path = slash < 0 ? "" : hostPath.substring(slash);
        return new Tunnel(type, host, host, type == TunnelType.HTTP ? 80 : 22, OWNERS.get(f[0]), "", Instant.now(),
                new TunnelOptions(path, null, null, null, true, false, 0));
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                // item 1: a path under a host belongs to the host's owner, both ways round
                row("1: path under another key's host", STRICT, "B1 http app.d/admin", REFUSE, "A1 http app.d"),
                row("1: host while another key holds a path under it", STRICT, "B1 http app.d", REFUSE, "A1 http app.d/api"),
                row("1: other path under another key's host", STRICT, "B1 http app.d/admin", REFUSE, "A1 http app.d/api"),
                row("1: not even with load balancing and sharing", SHARED, "B1 http app.d/admin", REFUSE, "A1 http app.d"),
                row("1: the owner's other connection adds a path", STRICT, "A2 http app.d/admin", CLAIM, "A1 http app.d"),
                row("1: the owner's connection adds a path", STRICT, "A1 http app.d/admin", CLAIM, "A1 http app.d"),
                row("1: keyless connections own per connection", STRICT, "N2 http app.d/admin", REFUSE, "N1 http app.d"),
                // item 2: names under (and above) a held name are the holder's
                row("2: sub-name under another key's name", STRICT, "B1 http x.app.d", REFUSE, "A1 http app.d"),
                row("2: name above another key's sub-name", STRICT, "B1 http app.d", REFUSE, "A1 http x.app.d"),
                row("2: name under another key's wildcard", STRICT, "B1 http x.app.d", REFUSE, "A1 http *.app.d"),
                row("2: deeper name", STRICT, "B1 http a.b.app.d", REFUSE, "A1 http app.d"),
                row("2: the owner's own sub-name", STRICT, "A2 http x.app.d", CLAIM, "A1 http app.d"),
                row("2: allowed by --share-names-across-keys", SHARED, "B1 http x.app.d", CLAIM, "A1 http app.d"),
                row("2: a shared suffix is no hierarchy", STRICT, "B1 http myapp.d", CLAIM, "A1 http app.d"),
                row("2: the root domain owns nothing below it", STRICT, "B1 http x.d", CLAIM, "A1 http d"),
                row("2: nor is it owned from below", STRICT, "B1 http d", CLAIM, "A1 http x.d"),
                row("2: TLS names do not nest", STRICT, "B1 sni x.app.d", CLAIM, "A1 sni app.d"),
                // one name, two kinds: SNI on a host another key serves over HTTP and back
                row("SNI on another key's HTTP host", STRICT, "B1 sni app.d", REFUSE, "A1 http app.d"),
                row("HTTP on another key's SNI host", STRICT, "B1 http app.d", REFUSE, "A1 sni app.d"),
                // item 4: same key joins the pool with a load balancer, takes over without one
                row("4: same key, http balancer: joins", HTTP_LB, "A2 http app.d", JOIN, "A1 http app.d"),
                row("4: same key, no balancer: takes over", STRICT, "A2 http app.d", TAKE_OVER, "A1 http app.d"),
                row("4: same key, tcp balancer: joins", ALL_LB, "A2 tcp d:2200", JOIN, "A1 tcp d:2200"),
                row("4: same key, alias balancer: joins", ALL_LB, "A2 alias box:22", JOIN, "A1 alias box:22"),
                row("4: same key, sni balancer: joins", ALL_LB, "A2 sni s.d", JOIN, "A1 sni s.d"),
                row("4: same key, no tcp balancer: takes over", HTTP_LB, "A2 tcp d:2200", TAKE_OVER, "A1 tcp d:2200"),
                row("4: same key joins a pool that has its own member", HTTP_LB, "A2 http app.d", JOIN, "A1 http app.d", "A2 http app.d/x"),
                // other keys on the same route
                row("other key, no balancer", STRICT, "B1 http app.d", REFUSE, "A1 http app.d"),
                row("other key, balancer: not across keys", ALL_LB, "B1 http app.d", REFUSE, "A1 http app.d"),
                row("other key, balancer and sharing: joins", SHARED, "B1 http app.d", JOIN, "A1 http app.d"),
                row("other key's TCP port with a balancer", ALL_LB, "B1 tcp d:2200", REFUSE, "A1 tcp d:2200"),
                row("other key's alias", STRICT, "B1 alias box:22", REFUSE, "A1 alias box:22"),
                row("keyless never takes over", STRICT, "N2 http app.d", REFUSE, "N1 http app.d"),
                row("the same connection twice", STRICT, "A1 http app.d", REFUSE, "A1 http app.d"),
                row("the same connection twice, balanced", HTTP_LB, "A1 http app.d", JOIN, "A1 http app.d"),
                row("a free name", STRICT, "B1 http other.d", CLAIM, "A1 http app.d"),
                row("a free name, nothing held", STRICT, "B1 http other.d", CLAIM));
    }

    static Arguments row(String name, Settings settings, String asks, Verdict expected, String... holds) {
        return Arguments.of(name, settings, asks, expected, List.of(holds));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void decides(String name, Settings settings, String asks, Verdict expected, List<String> holds) {
        Tunnel candidate = t(asks);
        List<Tunnel> all = new ArrayList<>();
        holds.forEach(h -> all.add(t(h)));
        List<Tunnel> sameRoute = all.stream().filter(e -> e.type() == candidate.type()
                && e.routeKey().equals(candidate.routeKey())).toList();
        ForwardOwnership.Decision d = new ForwardOwnership(settings).decide(candidate, sameRoute, all);
        assertThat(d.verdict()).as(name).isEqualTo(expected);
        if (expected == REFUSE) {
            assertThat(d.reason()).as("a refusal says why").isNotBlank();
        }
        if (expected == TAKE_OVER) {
            assertThat(d.displaced()).isSameAs(sameRoute.get(0));
        }
    }

    @Test
    void aRefusalBecomesRandomUnlessTheServerForcesRequestedNames() {
        ForwardOwnership policy = new ForwardOwnership(STRICT);
        Tunnel held = t("A1 http app.d");
        ForwardOwnership.Decision refused = policy.decide(t("B1 http app.d/admin"), List.of(), List.of(held));
        assertThat(refused.orRandom(false).verdict()).isEqualTo(RANDOM);
        assertThat(refused.orRandom(false).reason()).contains("belongs to another key");
        assertThat(refused.orRandom(true).verdict()).isEqualTo(REFUSE);
        ForwardOwnership.Decision free = policy.decide(t("B1 http free.d"), List.of(), List.of(held));
        assertThat(free.orRandom(false).verdict()).isEqualTo(CLAIM);
    }
}
