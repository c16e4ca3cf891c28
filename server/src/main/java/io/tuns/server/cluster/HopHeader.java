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
    public static final byte ACCEPT = 1;
    public static final byte NOT_HERE = 0;
    /** Longest route key carried (a host of 253 bytes and a bound path well within). */
    public static final int MAX_ROUTE_BYTES = 1024;

    private HopHeader() {
    }

    public static ByteBuf encode(InetSocketAddress client, InetSocketAddress local, String route) {
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
                        Unpooled.copiedBuffer(route, StandardCharsets.UTF_8))));
        EmbeddedChannel ch = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        try {
            ch.writeOutbound(msg);
            return ch.readOutbound();
        } finally {
            ch.finishAndReleaseAll();
        }
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
