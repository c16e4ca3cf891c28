package io.tuns.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class HopDecisionTest {

    /** holder "-" = nobody; tried "-" = the first try. */
    @ParameterizedTest(name = "holder={0} tried={1} → {2}")
    @CsvSource(delimiter = '|', textBlock = """
            -    | -    | STAY
            self | -    | STAY
            b    | -    | DIAL
            -    | b    | GIVE_UP
            self | b    | GIVE_UP
            b    | b    | GIVE_UP
            c    | b    | DIAL
            """)
    void decides(String holder, String tried, HopDecision.Next next) {
        assertThat(HopDecision.next(holder.equals("-") ? null : holder, "self", tried.equals("-") ? null : tried))
                .isEqualTo(next);
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = ';', textBlock = """
            http|app.example.com ; HTTPS
            http|app.example.com/api ; HTTPS
            http|*.example.com ; HTTPS
            sni|app.example.com ; RAW
            tcp|example.com:2000 ; RAW
            alias|db:5432 ; RAW
            """)
    void aTlsNameMeansTerminationForHttpRoutesOnly(String route, HopHeader.Entry entry) {
        assertThat(HopHeader.Entry.forTls(route)).isEqualTo(entry);
    }

    @ParameterizedTest
    @EnumSource(HopHeader.Entry.class)
    void theEntryCrossesInTheHeader(HopHeader.Entry entry) {
        HAProxyMessage msg = decode(HopHeader.encode(new InetSocketAddress("10.1.2.3", 4000),
                new InetSocketAddress("127.0.0.1", 443), "http|a.example.com", entry));
        try {
            assertThat(HopHeader.entry(msg)).isEqualTo(entry);
            assertThat(HopHeader.route(msg)).isEqualTo("http|a.example.com");
        } finally {
            msg.release();
        }
    }

    @Test
    void aHeaderWithoutTheEntryIsPlainHttp() {
        HAProxyMessage msg = decode(HopHeader.encode(new InetSocketAddress("10.1.2.3", 4000),
                new InetSocketAddress("127.0.0.1", 80), "http|a.example.com"));
        try {
            assertThat(HopHeader.entry(msg)).isEqualTo(HopHeader.Entry.HTTP);
        } finally {
            msg.release();
        }
    }

    /** The owner set its handlers up by the entry: a connection for TLS the entry terminated is never reused for plain HTTP. */
    @Test
    void aHopForTlsTerminatedAtTheEntryIsPooledApartFromAPlainOne() {
        io.tuns.server.tunnel.RouteLocation at = new io.tuns.server.tunnel.RouteLocation("http|a.example.com/api",
                new io.tuns.server.tunnel.RouteHolder("b", "key"), "127.0.0.1:7000");
        InetSocketAddress client = new InetSocketAddress("10.1.2.3", 4000);
        assertThat(ClusterHop.key(at, client, HopHeader.Entry.HTTP_TLS)).isNotEqualTo(ClusterHop.key(at, client));
        assertThat(ClusterHop.key(at, client, HopHeader.Entry.HTTP)).isEqualTo(ClusterHop.key(at, client));
    }

    private static HAProxyMessage decode(ByteBuf header) {
        EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder());
        ch.writeInbound(header);
        HAProxyMessage msg = ch.readInbound();
        ch.finishAndReleaseAll();
        return msg;
    }
}
