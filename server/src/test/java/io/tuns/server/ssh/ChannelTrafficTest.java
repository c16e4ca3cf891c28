package io.tuns.server.ssh;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ChannelTrafficTest {

    @Test
    void aTunnelsCountsAlsoGoToItsConnectionAndOpenChannelsReturnToZero() {
        ChannelTraffic connection = new ChannelTraffic(null);
        ChannelTraffic a = new ChannelTraffic(connection);
        ChannelTraffic b = new ChannelTraffic(connection);
        a.opened();
        b.opened();
        b.opened();
        a.in(100);
        b.out(7);
        b.out(3);
        assertThat(a.openChannels()).isEqualTo(1);
        assertThat(b.openChannels()).isEqualTo(2);
        assertThat(connection.openChannels()).isEqualTo(3);
        assertThat(connection.bytesIn()).isEqualTo(100);
        assertThat(connection.bytesOut()).isEqualTo(10);
        assertThat(b.bytesIn()).isZero();

        a.closed();
        b.closed();
        b.closed();
        assertThat(connection.openChannels()).isZero();
        assertThat(connection.bytesOut()).as("bytes stay counted after the channels close").isEqualTo(10);
    }

    // Bytes the ssh client took off the socket are its proof of life (issue #18: a client busy reading uploads
    // answered our ping late, behind them, and was cut off); the liveness check reads the connection's.
    @Test
    void aPacketTakenOnATunnelsChannelCountsForTheConnection() {
        ChannelTraffic connection = new ChannelTraffic(null);
        ChannelTraffic tunnel = new ChannelTraffic(connection);
        assertThat(connection.lastTakenMillis()).as("never").isEqualTo(-1);
        tunnel.taken(1_000);
        assertThat(connection.lastTakenMillis()).isEqualTo(1_000);
        tunnel.taken(7_500);
        assertThat(connection.lastTakenMillis()).isEqualTo(7_500);
        assertThat(tunnel.lastTakenMillis()).isEqualTo(7_500);
    }

    @Test
    void aClientSilentButTakingOurBytesIsNotDisconnected() {
        ClientLiveness liveness = new ClientLiveness(5_000, 5_000);
        ChannelTraffic connection = new ChannelTraffic(null);
        long lastMessage = 0;
        assertThat(liveness.tick(5_000, lastMessage)).isEqualTo(ClientLiveness.Action.PING);
        liveness.pingSent();
        liveness.pingWritten(5_000);
        connection.taken(14_000); // no reply yet, no message at all, but it reads what we send
        long heard = Math.max(lastMessage, connection.lastTakenMillis()); // as ClientPings does
        assertThat(liveness.tick(15_000, heard)).isEqualTo(ClientLiveness.Action.WAIT);
        assertThat(liveness.tick(15_000, lastMessage)).as("by its messages alone it looked dead")
                .isEqualTo(ClientLiveness.Action.DISCONNECT);
    }
}
