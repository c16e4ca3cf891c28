package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The connection after a 101, on the real codec and handler: the relay takes the handler's place, bytes pass
 * untouched, and every way it ends closes both the client and the tunnel channel and gives the share back.
 */
class RawRelayTest {

    static final String UPGRADE = "GET /ws HTTP/1.1\r\nHost: app.localhost\r\nConnection: Upgrade\r\n"
            + "Upgrade: websocket\r\n\r\n";
    /** With Sec-WebSocket-Accept: without it Netty's client codec takes a WebSocket 101 for a hixie-76 one, with a body. */
    static final String SWITCHING = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
            + "Upgrade: websocket\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

    final ProxyHarness h = new ProxyHarness("--max-channels-per-connection=4", "--http-max-client-share=50");

    RawRelay upgraded(String early, String afterSwitch) {
        h.clientSends(UPGRADE + early);
        h.channel(0).open();
        h.channel(0).serviceSends(SWITCHING + afterSwitch);
        h.settle();
        return h.client.pipeline().get(RawRelay.class);
    }

    @Test
    void theRelayTakesTheHandlersPlaceAndTheCodecIsGone() {
        RawRelay relay = upgraded("", "");
        assertThat(relay).isNotNull();
        assertThat(h.client.pipeline().get(HttpProxyHandler.class)).isNull();
        assertThat(h.client.pipeline().get(HttpServerCodec.class)).isNull();
        assertThat(h.reading()).as(h.gate()).isTrue();
        assertThat(h.clientReceived()).startsWith("HTTP/1.1 101 Switching Protocols");
    }

    @Test
    void bytesPassUntouchedBothWays() {
        upgraded("", "hello from the service");
        h.clientSends("GET /not-http HTTP/1.1\r\n\r\n"); // not parsed any more
        assertThat(h.channel(0).sentToService()).endsWith("\r\n\r\nGET /not-http HTTP/1.1\r\n\r\n");
        h.channel(0).serviceSends("more");
        assertThat(h.clientReceived()).endsWith("\r\n\r\nhello from the servicemore");
    }

    @Test
    void bytesTheCodecHeldGoToTheServiceOnceTheUpgradeIsAccepted() {
        upgraded("early", "");
        assertThat(h.channel(0).sentToService()).endsWith("\r\n\r\nearly");
    }

    @Test
    void serviceEofClosesTheClientAfterWhatWasWritten() {
        upgraded("", "");
        h.channel(0).serviceSends("last words");
        h.channel(0).serviceEof();
        assertThat(h.clientReceived()).endsWith("last words");
        assertThat(h.client.isOpen()).isFalse();
        assertThat(h.openChannels()).isZero();
        assertThat(h.shares().entries()).isZero();
    }

    @Test
    void clientClosingSendsEofThenClosesTheChannel() {
        upgraded("", "");
        h.clientCloses();
        assertThat(h.channel(0).eofFromTuns()).isTrue();
        assertThat(h.openChannels()).isZero();
        assertThat(h.shares().entries()).isZero();
    }

    @Test
    void aClientErrorClosesBothSides() {
        upgraded("", "");
        h.client.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));
        h.settle();
        assertThat(h.client.isOpen()).isFalse();
        assertThat(h.openChannels()).isZero();
    }

    @Test
    void aFullSshSidePausesReadingUntilItDrains() {
        RawRelay relay = upgraded("", "");
        relay.upstreamPaused(null, true);
        assertThat(h.reading()).isFalse();
        relay.upstreamPaused(null, false);
        assertThat(h.reading()).isTrue();
        relay.upstreamPaused(null, true);
        h.channel(0).dropped(); // the end of the channel lifts its own pause
        assertThat(h.reading()).isTrue();
        assertThat(h.client.isOpen()).isFalse();
    }

    @Test
    void bytesAfterTheEndAreReleasedAndTheirWindowReturned() {
        RawRelay relay = upgraded("", "");
        h.channel(0).serviceEof();
        ByteBuf late = Unpooled.copiedBuffer(new byte[] {1, 2, 3});
        AtomicInteger windowReturned = new AtomicInteger();
        relay.upstreamObjects(null, List.of(late), windowReturned::incrementAndGet);
        assertThat(late.refCnt()).isZero();
        assertThat(windowReturned).hasValue(1);
    }
}
