package io.tuns.server.bridge;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.tuns.server.tunnel.ChannelSink.OpenFailure;
import io.tuns.server.tunnel.Tunnel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collection;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Every way a raw (TCP / TLS passthrough) bridge ends, on an EmbeddedChannel with a played ssh client: afterwards
 * the channel is closed or the client connection is, and reading was resumed whenever the bridge carries on.
 */
class RawBridgeTest {

    private final EmbeddedChannel client = new EmbeddedChannel();
    private final RecordingOwner owner = new RecordingOwner(this::settle);
    private final Tunnel first = tunnel("a");
    private final Tunnel second = tunnel("b");
    private final StringBuilder toClient = new StringBuilder();

    private Tunnel tunnel(String name) {
        return new Tunnel(Tunnel.TunnelType.TCP, name + ":2000", "localhost", 2000, owner, "t", Instant.now());
    }

    private void settle() {
        client.runPendingTasks();
        if (client.isOpen()) {
            client.flushOutbound();
        }
    }

    private RawBridge bridge(Function<Collection<Tunnel>, Tunnel> alternatives, Function<Tunnel, byte[]> preamble) {
        RawBridge b = new RawBridge(first, alternatives, 256 * 1024, 64 * 1024, preamble,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 50_000));
        client.pipeline().addLast(b); // the connection is live: the bridge starts at once
        settle();
        return b;
    }

    private void clientSends(String s) {
        client.writeInbound(Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1));
        settle();
    }

    private String received() {
        ByteBuf b;
        while ((b = client.readOutbound()) != null) {
            toClient.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return toClient.toString();
    }

    @Test
    void nothingIsReadUntilTheChannelOpensThenBytesFlowBothWays() {
        bridge(failed -> null, t -> null);
        assertThat(client.config().isAutoRead()).isFalse();
        clientSends("early ");
        owner.channels.get(0).open();
        assertThat(client.config().isAutoRead()).isTrue();
        clientSends("late");
        assertThat(owner.channels.get(0).sentToService()).isEqualTo("early late");
        owner.channels.get(0).serviceSends("answer");
        assertThat(received()).isEqualTo("answer");
    }

    @Test
    void thePreambleGoesFirst() {
        bridge(failed -> null, t -> "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n".getBytes(StandardCharsets.US_ASCII));
        clientSends("data");
        owner.channels.get(0).open();
        assertThat(owner.channels.get(0).sentToService()).isEqualTo("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\ndata");
    }

    @Test
    void clientClosingClosesTheChannel() {
        bridge(failed -> null, t -> null);
        owner.channels.get(0).open();
        client.close();
        settle();
        assertThat(owner.channels.get(0).closed()).isTrue();
    }

    @Test
    void anOpenCompletingAfterTheClientLeftIsClosedAtOnce() {
        bridge(failed -> null, t -> null);
        clientSends("never delivered");
        client.close();
        settle();
        owner.channels.get(0).open();
        assertThat(owner.channels.get(0).closed()).isTrue();
        assertThat(owner.channels.get(0).sentToService()).isEmpty();
    }

    @Test
    void refusedWithNoOtherMemberClosesTheClient() {
        bridge(failed -> null, t -> null);
        owner.channels.get(0).refuse(OpenFailure.REFUSED);
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void refusedWithAnotherMemberMovesEverythingReadToIt() {
        bridge(failed -> failed.contains(second) ? null : second, t -> null);
        clientSends("hello");
        owner.channels.get(0).refuse(OpenFailure.REFUSED);
        assertThat(owner.members).containsExactly(first, second);
        owner.channels.get(1).open();
        assertThat(owner.channels.get(1).sentToService()).isEqualTo("hello");
        assertThat(client.isOpen()).isTrue();
        assertThat(client.config().isAutoRead()).isTrue();
    }

    @Test
    void theChannelGoingAwayClosesTheClientAfterItsBytes() {
        bridge(failed -> null, t -> null);
        owner.channels.get(0).open();
        owner.channels.get(0).serviceSends("last words");
        owner.channels.get(0).dropped();
        assertThat(received()).isEqualTo("last words");
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void theClientsHalfCloseBecomesEofTowardsTheService() {
        bridge(failed -> null, t -> null);
        owner.channels.get(0).open();
        clientSends("request");
        client.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        settle();
        assertThat(owner.channels.get(0).sentToService()).isEqualTo("request");
        assertThat(owner.channels.get(0).eofFromTuns()).isTrue();
        assertThat(owner.channels.get(0).closed()).isFalse(); // the answer may still come
        owner.channels.get(0).serviceSends("reply");
        assertThat(received()).isEqualTo("reply");
    }

    @Test
    void aHalfCloseBeforeTheOpenIsSentAfterTheEarlyBytes() {
        bridge(failed -> null, t -> null);
        clientSends("early");
        client.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        settle();
        owner.channels.get(0).open();
        assertThat(owner.channels.get(0).sentToService()).isEqualTo("early");
        assertThat(owner.channels.get(0).eofFromTuns()).isTrue();
    }
}
