package io.tuns.server.proxyproto;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.tuns.server.config.ServerConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --proxy-protocol-listener} on a Netty listener. It goes first in a new connection's pipeline and holds the
 * connection (its channelActive and first bytes) until it knows whether a PROXY v1/v2 header is there: it peeks the
 * signature ({@code "PROXY "} or the 12-byte v2 one), hands a header to Netty's {@link HAProxyMessageDecoder}, keeps
 * the source as the {@link ClientAddress} (policies {@code use} and {@code require}), applies the policy, and only then runs the listener's
 * own initializer (so its IP filter sees the real client), replays channelActive and the bytes after the header,
 * and leaves the pipeline.
 *
 * <p>Listeners call {@link #defer} first in their {@code initChannel}; it re-adds the same initializer once decided.
 *
 * <p>Timeout ({@code --proxy-protocol-use-timeout}): a connection whose header has not completed within
 * {@code --proxy-protocol-timeout} is closed; so is a silent one under {@code require}. A connection that has sent
 * nothing at all by then, under the other policies, goes on without a header (a protocol where the server speaks
 * first, through a TCP tunnel). Without the timeout the listener waits for the client's first bytes.
 */
public final class ProxyProtocolHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ProxyProtocolHandler.class);
    /** The decision is made: the listener's initializer runs for real. */
    private static final AttributeKey<Boolean> DECIDED = AttributeKey.valueOf(ProxyProtocolHandler.class, "decided");
    /** Enough bytes to tell a v2 signature from anything else. */
    private static final int PEEK = 12;

    private final ProxyProtocolPolicy.Settings settings;
    private final ChannelHandler initializer;
    private final String listener;
    private ChannelHandlerContext ctx;
    private ByteBuf seen;
    private boolean active;
    /** The peek is over: bytes go to the decoder or the listener's handlers. */
    private boolean handedOver;
    /** The listener's handlers are installed (or the connection refused). */
    private boolean finished;
    private ScheduledFuture<?> timer;

    ProxyProtocolHandler(ProxyProtocolPolicy.Settings settings, ChannelHandler initializer, String listener) {
        this.settings = settings;
        this.initializer = initializer;
        this.listener = listener;
    }

    /**
     * Call first in a listener's {@code initChannel(ch)}, passing the initializer itself ({@code this}; Netty's
     * {@code ChannelInitializer} is sharable). Returns {@code true} when the caller must stop: this handler was added
     * and will run the initializer again once the PROXY header question is settled.
     */
    public static boolean defer(Channel ch, ServerConfig cfg, ChannelHandler initializer, String listener) {
        ProxyProtocolPolicy.Settings s = ProxyProtocolPolicy.Settings.of(cfg);
        if (s == null || Boolean.TRUE.equals(ch.attr(DECIDED).get())) {
            return false;
        }
        ch.pipeline().addFirst("proxy-protocol", new ProxyProtocolHandler(s, initializer, listener));
        return true;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (settings.timeoutOrNull() != null) {
            timer = ctx.executor().schedule(this::timedOut, settings.timeoutOrNull().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        active = true; // replayed to the listener's handlers once decided
        if (!ctx.channel().config().isAutoRead()) {
            ctx.read();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (handedOver || !(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (seen == null) {
            seen = ctx.alloc().buffer(PEEK);
        }
        seen.writeBytes(in, Math.min(in.readableBytes(), PEEK - seen.readableBytes()));
        byte[] peek = new byte[seen.readableBytes()];
        seen.getBytes(seen.readerIndex(), peek);
        ProxyHeaderParser.Result sig = ProxyHeaderParser.signature(peek, 0, peek.length);
        if (sig.kind() == ProxyHeaderParser.Kind.NEED_MORE) {
            in.release(); // all of it is in the peek buffer
            if (!ctx.channel().config().isAutoRead()) {
                ctx.read();
            }
            return;
        }
        boolean header = sig.kind() == ProxyHeaderParser.Kind.HEADER;
        if (header ? settings.policy() == ProxyProtocolPolicy.REJECT : settings.policy() == ProxyProtocolPolicy.REQUIRE) {
            in.release();
            refuse(header ? "PROXY header refused by policy reject" : "no PROXY header (policy require)");
            return;
        }
        ByteBuf all = ctx.alloc().compositeBuffer(2).addComponents(true, seen, in); // peeked bytes, then the rest
        seen = null;
        handedOver = true;
        if (!header) {
            finish(ctx, null, all);
            ctx.pipeline().remove(this);
            return;
        }
        ctx.pipeline().addAfter(ctx.name(), "proxy-protocol-decoder", new HAProxyMessageDecoder());
        ctx.pipeline().addAfter("proxy-protocol-decoder", "proxy-protocol-header", new HeaderReader());
        ctx.fireChannelRead(all); // to the decoder; the header may complete now or in later reads
        ctx.pipeline().remove(this);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (handedOver) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.channel().close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (seen != null) {
            seen.release();
            seen = null;
        }
    }

    private void timedOut() {
        Channel ch = ctx.channel();
        if (finished || !ch.isOpen()) {
            return;
        }
        if (!handedOver && (seen == null || seen.readableBytes() == 0)
                && settings.policy() != ProxyProtocolPolicy.REQUIRE) {
            handedOver = true;
            finish(ctx, null, null); // nothing sent: no header (a protocol where the server speaks first)
            ctx.pipeline().remove(this);
            return;
        }
        refuse("no complete PROXY header within " + settings.timeoutOrNull().toMillis() + " ms");
    }

    private void refuse(String why) {
        finished = true;
        handedOver = true;
        log.info("event=proxy_protocol_refused listener={} client={} reason=\"{}\"", listener,
                ctx.channel().remoteAddress(), why);
        ctx.channel().close();
    }

    /**
     * Decided: record the client, run the listener's initializer after {@code at} (its handlers go last, after
     * {@code at}), then replay channelActive and the bytes read so far to them.
     */
    private void finish(ChannelHandlerContext at, InetSocketAddress fromHeader, ByteBuf bytes) {
        finished = true;
        if (timer != null) {
            timer.cancel(false);
        }
        Channel ch = at.channel();
        if (fromHeader != null && settings.policy() != ProxyProtocolPolicy.IGNORE) { // use, require
            ch.attr(ClientAddress.FROM_HEADER).set(fromHeader);
        }
        ch.attr(DECIDED).set(Boolean.TRUE);
        at.pipeline().addAfter(at.name(), null, initializer); // runs the listener's initChannel, now for real
        if (!ch.isOpen()) { // refused by the IP filter
            ReferenceCountUtil.release(bytes);
            return;
        }
        if (active) {
            at.fireChannelActive();
        }
        if (bytes != null && bytes.isReadable()) {
            at.fireChannelRead(bytes);
        } else {
            ReferenceCountUtil.release(bytes);
        }
    }

    /** After {@link HAProxyMessageDecoder}: takes the decoded header, then runs the listener's initializer. */
    private final class HeaderReader extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext hctx, Object msg) {
            if (!(msg instanceof HAProxyMessage m)) {
                hctx.fireChannelRead(msg); // not reached: the decoder sends the header first
                return;
            }
            InetSocketAddress source;
            try {
                source = source(m);
            } finally {
                m.release();
            }
            finish(hctx, source, null);
            hctx.pipeline().remove(this);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext hctx) {
            // the connection is not the listener's yet
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext hctx, Throwable cause) {
            finished = true;
            log.info("event=proxy_protocol_refused listener={} client={} reason=\"{}\"", listener,
                    hctx.channel().remoteAddress(), "bad PROXY header: " + cause.getMessage());
            hctx.close();
        }
    }

    private static InetSocketAddress source(HAProxyMessage m) {
        if (m.command() != HAProxyCommand.PROXY || m.sourceAddress() == null) {
            return null; // LOCAL: a check by the proxy itself
        }
        HAProxyProxiedProtocol p = m.proxiedProtocol();
        if (p.addressFamily() != HAProxyProxiedProtocol.AddressFamily.AF_IPv4
                && p.addressFamily() != HAProxyProxiedProtocol.AddressFamily.AF_IPv6) {
            return null;
        }
        try {
            // the decoder validated it as an IP literal, so this never resolves a name
            return new InetSocketAddress(InetAddress.getByName(m.sourceAddress()), m.sourcePort());
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }
}
