package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.tunnel.ChannelSink;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelOwner;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Issue 13 item 4: one client address holds at most its share of an owner's channels. */
class ClientSharesTest {

    /** Owners are only compared by identity here. */
    static TunnelOwner owner() {
        return new TunnelOwner() {
            public String remoteAddress() {
                return "x";
            }

            public String user() {
                return "u";
            }

            public String keyFingerprint() {
                return null;
            }

            public void openChannel(Tunnel t, InetSocketAddress origin, ChannelSink sink) {
            }

            public void message(String line) {
            }

            public void closeTunnel(Tunnel t, String why) {
            }

            public void tunnelTakenOver(Tunnel t) {
            }
        };
    }

    @ParameterizedTest(name = "{0} channels, {1}% -> {2}")
    @CsvSource({"256, 50, 128", "256, 100, 0", "4, 50, 2", "3, 10, 1", "1, 99, 0", "1, 50, 0", "2, 50, 1"})
    void limitIsTheShareRoundedDownButAtLeastOneAndOffWhenItIsTheWhole(int channels, int percent, int limit) {
        assertThat(new ClientShares(new ClientShares.Settings(channels, percent)).limit()).isEqualTo(limit);
    }

    @Test
    void anAddressAtItsShareIsRefusedWhileOthersAndOtherOwnersAreNot() {
        ClientShares s = new ClientShares(new ClientShares.Settings(4, 50));
        TunnelOwner a = owner();
        TunnelOwner b = owner();
        assertThat(s.tryAcquire(a, "10.0.0.1")).isTrue();
        assertThat(s.tryAcquire(a, "10.0.0.1")).isTrue();
        assertThat(s.tryAcquire(a, "10.0.0.1")).isFalse();
        assertThat(s.tryAcquire(a, "10.0.0.2")).isTrue();
        assertThat(s.tryAcquire(b, "10.0.0.1")).isTrue();
        s.release(a, "10.0.0.1");
        assertThat(s.tryAcquire(a, "10.0.0.1")).isTrue();
    }

    @Test
    void entriesLeaveWithTheirLastChannelSoTheMapIsBoundedByOpenChannels() {
        ClientShares s = new ClientShares(new ClientShares.Settings(4, 50));
        TunnelOwner a = owner();
        for (int i = 0; i < 1000; i++) {
            assertThat(s.tryAcquire(a, "10.0.0." + (i % 250))).isTrue();
            s.release(a, "10.0.0." + (i % 250));
        }
        assertThat(s.entries()).isZero();
    }

    @Test
    void offAt100PercentAndHoldsNothing() {
        ClientShares s = new ClientShares(new ClientShares.Settings(1, 100));
        TunnelOwner a = owner();
        for (int i = 0; i < 10; i++) {
            assertThat(s.tryAcquire(a, "10.0.0.1")).isTrue();
        }
        assertThat(s.entries()).isZero();
    }
}
