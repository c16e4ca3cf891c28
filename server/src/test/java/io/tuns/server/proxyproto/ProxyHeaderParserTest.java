package io.tuns.server.proxyproto;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tuns.server.config.ConfigLoader;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.proxyproto.ProxyHeaderParser.Kind;
import io.tuns.server.proxyproto.ProxyHeaderParser.Result;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProxyHeaderParserTest {

    static final byte[] SIG = ProxyHeaderParser.V2_SIGNATURE;

    static byte[] v1(String line) {
        return line.getBytes(StandardCharsets.US_ASCII);
    }

    static Result parse(byte[] b) {
        return ProxyHeaderParser.parse(b, 0, b.length);
    }

    /** A v2 PROXY header (TCP over IPv4 or IPv6) from src:sport to dst:dport, with {@code tlv} extra bytes. */
    static byte[] v2(String src, int sport, String dst, int dport, int tlv) throws Exception {
        byte[] s = InetAddress.getByName(src).getAddress();
        byte[] d = InetAddress.getByName(dst).getAddress();
        int len = s.length * 2 + 4 + tlv;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(SIG);
        o.write(0x21); // version 2, PROXY
        o.write(s.length == 4 ? 0x11 : 0x21);
        o.write(len >> 8);
        o.write(len & 0xFF);
        o.write(s);
        o.write(d);
        o.write(sport >> 8);
        o.write(sport & 0xFF);
        o.write(dport >> 8);
        o.write(dport & 0xFF);
        o.write(new byte[tlv]);
        return o.toByteArray();
    }

    @Test
    void v1Ipv4AndIpv6() {
        byte[] b = v1("PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\nSSH-2.0-x\r\n");
        Result r = parse(b);
        assertThat(r.kind()).isEqualTo(Kind.HEADER);
        assertThat(r.length()).isEqualTo("PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\n".length());
        assertThat(r.source()).isEqualTo(new InetSocketAddress("203.0.113.7", 5555));

        Result r6 = parse(v1("PROXY TCP6 2001:db8::7 ::1 40000 443\r\n"));
        assertThat(r6.kind()).isEqualTo(Kind.HEADER);
        assertThat(r6.source().getAddress().getHostAddress()).isEqualTo("2001:db8:0:0:0:0:0:7");
        assertThat(r6.source().getPort()).isEqualTo(40000);
    }

    @Test
    void v1UnknownPartialAbsentAndInvalid() {
        Result u = parse(v1("PROXY UNKNOWN\r\n"));
        assertThat(u.kind()).isEqualTo(Kind.HEADER);
        assertThat(u.source()).isNull();
        assertThat(parse(v1("PRO")).kind()).isEqualTo(Kind.NEED_MORE);
        assertThat(parse(v1("PROXY TCP4 203.0.113.7 ")).kind()).isEqualTo(Kind.NEED_MORE);
        assertThat(parse(v1("SSH-2.0-OpenSSH\r\n")).kind()).isEqualTo(Kind.ABSENT);
        assertThat(parse(v1("GET / HTTP/1.1\r\n")).kind()).isEqualTo(Kind.ABSENT);
        assertThat(parse(v1("PROXY TCP4 example.com 127.0.0.1 1 2\r\n")).kind()).isEqualTo(Kind.INVALID);
        assertThat(parse(v1("PROXY TCP4 1.2.3.4 127.0.0.1 99999 2\r\n")).kind()).isEqualTo(Kind.INVALID);
        assertThat(parse(v1("PROXY TCP4 1.2.3.4 127.0.0.1 1\r\n")).kind()).isEqualTo(Kind.INVALID);
        assertThat(parse(v1("PROXY " + "x".repeat(120))).kind()).isEqualTo(Kind.INVALID);
    }

    @Test
    void v2Ipv4AndIpv6WithTlvs() throws Exception {
        byte[] b4 = v2("203.0.113.7", 5555, "127.0.0.1", 80, 0);
        Result r4 = parse(b4);
        assertThat(r4.kind()).isEqualTo(Kind.HEADER);
        assertThat(r4.length()).isEqualTo(28);
        assertThat(r4.source()).isEqualTo(new InetSocketAddress("203.0.113.7", 5555));

        byte[] b6 = v2("2001:db8::7", 40000, "::1", 22, 7);
        Result r6 = parse(b6);
        assertThat(r6.kind()).isEqualTo(Kind.HEADER);
        assertThat(r6.length()).isEqualTo(16 + 36 + 7);
        assertThat(r6.source()).isEqualTo(new InetSocketAddress(InetAddress.getByName("2001:db8::7"), 40000));

        for (int n = 1; n < b6.length; n++) {
            assertThat(ProxyHeaderParser.parse(b6, 0, n).kind()).as("prefix " + n).isEqualTo(Kind.NEED_MORE);
        }
    }

    @Test
    void v2LocalKeepsTheSocketAddressAndBadVersionIsInvalid() throws Exception {
        byte[] local = v2("203.0.113.7", 1, "127.0.0.1", 2, 0);
        local[12] = 0x20; // LOCAL
        assertThat(parse(local).kind()).isEqualTo(Kind.HEADER);
        assertThat(parse(local).source()).isNull();
        byte[] bad = v2("203.0.113.7", 1, "127.0.0.1", 2, 0);
        bad[12] = 0x31;
        assertThat(parse(bad).kind()).isEqualTo(Kind.INVALID);
    }

    // ------------------------------------------------------------------ the Netty handler, in an EmbeddedChannel

    static ServerConfig cfg(String policy) throws Exception {
        return ConfigLoader.fromArgs(new String[] {"--proxy-protocol-listener", "--proxy-protocol-policy=" + policy});
    }

    /** What the listener's own handlers saw. */
    static final class Seen extends ChannelInboundHandlerAdapter {
        final List<String> events = new ArrayList<>();
        final StringBuilder bytes = new StringBuilder();
        InetSocketAddress client;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            events.add("active");
            client = ClientAddress.of(ctx.channel());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            bytes.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
    }

    static EmbeddedChannel channel(ServerConfig cfg, Seen seen) {
        return new EmbeddedChannel(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (ProxyProtocolHandler.defer(ch, cfg, this, "test")) {
                    return;
                }
                ch.pipeline().addLast(seen);
            }
        });
    }

    @Test
    void handlerUsesTheHeaderSourceAndPassesTheRestInPieces() throws Exception {
        Seen seen = new Seen();
        EmbeddedChannel ch = channel(cfg("use"), seen);
        byte[] all = v1("PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\nGET / HTTP/1.1\r\n\r\n");
        for (byte b : all) { // one byte at a time: the peek and the decoder both wait for more
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertThat(seen.events).containsExactly("active");
        assertThat(seen.client).isEqualTo(new InetSocketAddress("203.0.113.7", 5555));
        assertThat(seen.bytes.toString()).isEqualTo("GET / HTTP/1.1\r\n\r\n");
        assertThat(ch.pipeline().get(ProxyProtocolHandler.class)).isNull();
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void handlerV2Ipv6InOneRead() throws Exception {
        Seen seen = new Seen();
        EmbeddedChannel ch = channel(cfg("use"), seen);
        byte[] h = v2("2001:db8::7", 40000, "::1", 80, 0);
        ch.writeInbound(Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(h), Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII)));
        assertThat(seen.client).isEqualTo(new InetSocketAddress(InetAddress.getByName("2001:db8::7"), 40000));
        assertThat(seen.bytes.toString()).isEqualTo("hello");
    }

    @Test
    void policies() throws Exception {
        Seen plain = new Seen();
        EmbeddedChannel use = channel(cfg("use"), plain);
        use.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII));
        assertThat(plain.bytes.toString()).isEqualTo("GET / HTTP/1.1\r\n");
        assertThat(plain.client).isEqualTo(use.remoteAddress() instanceof InetSocketAddress i ? i : null);

        Seen ignored = new Seen();
        EmbeddedChannel ignore = channel(cfg("ignore"), ignored);
        ignore.writeInbound(Unpooled.wrappedBuffer(v1("PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\nx")));
        assertThat(ignored.bytes.toString()).isEqualTo("x");
        assertThat(ignored.client).isNotEqualTo(new InetSocketAddress("203.0.113.7", 5555));

        Seen rejected = new Seen();
        EmbeddedChannel reject = channel(cfg("reject"), rejected);
        reject.writeInbound(Unpooled.wrappedBuffer(v1("PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\nx")));
        assertThat(reject.isOpen()).isFalse();
        assertThat(rejected.events).isEmpty();

        Seen required = new Seen();
        EmbeddedChannel require = channel(cfg("require"), required);
        require.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII));
        assertThat(require.isOpen()).isFalse();
        assertThat(required.events).isEmpty();
    }

    @Test
    void badHeaderCloses() throws Exception {
        Seen seen = new Seen();
        EmbeddedChannel ch = channel(cfg("use"), seen);
        ch.writeInbound(Unpooled.wrappedBuffer(v1("PROXY TCP4 nonsense\r\nGET /")));
        ch.runPendingTasks();
        assertThat(ch.isOpen()).isFalse();
        assertThat(seen.events).isEmpty();
    }
}
