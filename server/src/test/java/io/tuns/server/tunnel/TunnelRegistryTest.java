package io.tuns.server.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TunnelRegistryTest {

    /** A stand-in for an ssh connection: the registry only asks for identity and tells of take-overs. */
    static class Owner implements TunnelOwner {
        final String fingerprint;
        final List<Tunnel> takenOver = new ArrayList<>();

        Owner(String fingerprint) {
            this.fingerprint = fingerprint;
        }

        @Override public String remoteAddress() { return "127.0.0.1:1"; }
        @Override public String user() { return "u"; }
        @Override public String keyFingerprint() { return fingerprint; }
        @Override public void openChannel(Tunnel t, InetSocketAddress o, ChannelSink s) { }
        @Override public void message(String line) { }
        @Override public void tunnelTakenOver(Tunnel t) { takenOver.add(t); }
        @Override public void closeTunnel(Tunnel t, String why) { }
    }

    static Tunnel tunnel(String host, Owner owner) {
        return new Tunnel(Tunnel.TunnelType.HTTP, host, "x", 80, owner, "t", Instant.now());
    }

    static final ForwardOwnership STRICT = new ForwardOwnership(ForwardOwnership.Settings.strict("example"));

    static ForwardOwnership.Verdict claim(TunnelRegistry r, Tunnel t) {
        return r.claim(t, STRICT).verdict();
    }

    @Test
    void sameKeyTakesOverOtherKeyIsRefused() {
        TunnelRegistry r = new TunnelRegistry();
        List<Tunnel> removed = new ArrayList<>();
        r.onRemoval(removed::add);
        Owner a1 = new Owner("SHA256:a");
        Owner a2 = new Owner("SHA256:a");
        Owner b = new Owner("SHA256:b");
        Tunnel first = tunnel("x.example", a1);
        assertThat(claim(r, first)).isEqualTo(ForwardOwnership.Verdict.CLAIM);
        assertThat(claim(r, tunnel("x.example", b))).isEqualTo(ForwardOwnership.Verdict.REFUSE);
        Tunnel second = tunnel("x.example", a2);
        assertThat(claim(r, second)).isEqualTo(ForwardOwnership.Verdict.TAKE_OVER);
        assertThat(a1.takenOver).containsExactly(first);
        assertThat(removed).containsExactly(first);
        assertThat(r.httpTunnel("x.example")).contains(second);
        assertThat(r.remove(first)).as("a stale holder cannot remove the new one").isFalse();
        assertThat(r.remove(second)).isTrue();
        assertThat(r.size()).isZero();
    }

    @Test
    void noKeyNeverTakesOver() {
        TunnelRegistry r = new TunnelRegistry();
        assertThat(claim(r, tunnel("y", new Owner(null)))).isEqualTo(ForwardOwnership.Verdict.CLAIM);
        assertThat(claim(r, tunnel("y", new Owner(null)))).isEqualTo(ForwardOwnership.Verdict.REFUSE);
    }

    @Test
    void aFreeOnlyClaimNeitherJoinsNorTakesOver() {
        TunnelRegistry r = new TunnelRegistry();
        Owner a1 = new Owner("SHA256:a");
        Tunnel first = tunnel("z.example", a1);
        assertThat(r.claimFree(first, STRICT)).isTrue();
        assertThat(r.claimFree(tunnel("z.example", new Owner("SHA256:a")), STRICT)).isFalse();
        assertThat(a1.takenOver).isEmpty();
        assertThat(r.all()).containsExactly(first);
    }
}
