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
}
