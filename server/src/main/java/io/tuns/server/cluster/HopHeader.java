package io.tuns.server.cluster;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What an ingress node sends first on a hop: a PROXY v2 header with the real client address, and the route it
 * wants in a TLV of the range the spec leaves to applications (0xE0). The owner answers one byte:
 * {@link #ACCEPT} (then bytes flow) or {@link #NOT_HERE} (it holds no such route; the ingress may refresh once).
 */
public final class HopHeader {

    public static final byte ROUTE_TLV = (byte) 0xE0;
    /** How the connection entered the ingress node ({@link Entry}); absent: plain HTTP. */
    public static final byte ENTRY_TLV = (byte) 0xE1;
    public static final byte ACCEPT = 1;
    public static final byte NOT_HERE = 0;
    /** Longest route key carried (a host of 253 bytes and a bound path well within). */
    public static final int MAX_ROUTE_BYTES = 1024;

    /**
     * What the bytes after the header are, so the owner knows what to put in front of them: plain HTTP, TLS for
     * tuns to terminate (HTTPS by SNI), bytes to pass raw to the route's tunnel (SNI passthrough, TCP, alias), or
     * plain HTTP the client sent over TLS that the entry node terminated (HTTP_TLS: the owner treats the request
     * as an HTTPS one, e.g. no force-https redirect and X-Forwarded-Proto https). New values go last: the TLV
     * carries the ordinal.
     */
    public enum Entry {
        HTTP, HTTPS, RAW, HTTP_TLS;

        static Entry of(int code) {
            return code >= 0 && code < values().length ? values()[code] : null;
        }

        /**
         * For a connection peeked by its TLS SNI name: an HTTP route means TLS for the owner to terminate; any
         * other (SNI passthrough, TCP, alias) means raw bytes for the route's tunnel.
         */
        public static Entry forTls(String route) {
            return route.startsWith("http|") ? HTTPS : RAW;
        }
    }

    private HopHeader() {
    }

    public static ByteBuf encode(InetSocketAddress client, InetSocketAddress local, String route) {
        return encode(client, local, route, Entry.HTTP);
    }

    public static ByteBuf encode(InetSocketAddress client, InetSocketAddress local, String route, Entry entry) {
        boolean v6 = client.getAddress() instanceof Inet6Address || local.getAddress() instanceof Inet6Address;
        String src = client.getAddress().getHostAddress();
        String dst = local.getAddress().getHostAddress();
        if (v6 && !(client.getAddress() instanceof Inet6Address)) {
            src = "::ffff:" + src;
        }
        if (v6 && !(local.getAddress() instanceof Inet6Address)) {
            dst = "::ffff:" + dst;
        }
        HAProxyMessage msg = new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
                v6 ? HAProxyProxiedProtocol.TCP6 : HAProxyProxiedProtocol.TCP4, src, dst, client.getPort(),
                local.getPort(), List.of(new HAProxyTLV(ROUTE_TLV,
                        Unpooled.copiedBuffer(route, StandardCharsets.UTF_8)),
                        new HAProxyTLV(ENTRY_TLV, Unpooled.wrappedBuffer(new byte[] {(byte) entry.ordinal()}))));
        EmbeddedChannel ch = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        try {
            ch.writeOutbound(msg);
            return ch.readOutbound();
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    /** How the hop's connection entered: {@link Entry#HTTP} without the TLV, null for a value this node does not know. */
    public static Entry entry(HAProxyMessage msg) {
        for (HAProxyTLV tlv : msg.tlvs()) {
            if (tlv.typeByteValue() == ENTRY_TLV) {
                return tlv.content().readableBytes() == 1 ? Entry.of(tlv.content().getByte(tlv.content().readerIndex()))
                        : null;
            }
        }
        return Entry.HTTP;
    }

    /** The route a decoded header asks for, or null when it carries none (then the owner answers NOT_HERE). */
    public static String route(HAProxyMessage msg) {
        for (HAProxyTLV tlv : msg.tlvs()) {
            if (tlv.typeByteValue() == ROUTE_TLV && tlv.content().readableBytes() <= MAX_ROUTE_BYTES) {
                return tlv.content().toString(StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
