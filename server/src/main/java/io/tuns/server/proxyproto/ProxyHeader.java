package io.tuns.server.proxyproto;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.tuns.server.tunnel.Tunnel;
import java.net.Inet6Address;
import java.net.InetSocketAddress;

/** The PROXY protocol header (v1 text or v2 binary) a TCP/SNI backend asked for, built with Netty's encoder. */
public final class ProxyHeader {

    private ProxyHeader() {
    }

    /** The header a tunnel asked for with {@code proxy-protocol=}, for a public connection; null when none. */
    public static byte[] forTunnel(Tunnel tunnel, Channel ch) {
        int version = tunnel.options().proxyProtocol();
        return version == 0 ? null : of(version, ClientAddress.of(ch),
                (InetSocketAddress) ch.localAddress());
    }

    public static byte[] of(int version, InetSocketAddress source, InetSocketAddress destination) {
        boolean v6 = source.getAddress() instanceof Inet6Address || destination.getAddress() instanceof Inet6Address;
        String src = source.getAddress().getHostAddress();
        String dst = destination.getAddress().getHostAddress();
        if (v6 && !(source.getAddress() instanceof Inet6Address)) {
            src = "::ffff:" + src;
        }
        if (v6 && !(destination.getAddress() instanceof Inet6Address)) {
            dst = "::ffff:" + dst;
        }
        HAProxyMessage msg = new HAProxyMessage(version == 2 ? HAProxyProtocolVersion.V2 : HAProxyProtocolVersion.V1,
                HAProxyCommand.PROXY, v6 ? HAProxyProxiedProtocol.TCP6 : HAProxyProxiedProtocol.TCP4,
                src, dst, source.getPort(), destination.getPort());
        EmbeddedChannel ch = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        try {
            ch.writeOutbound(msg);
            ByteBuf out = ch.readOutbound();
            byte[] bytes = new byte[out.readableBytes()];
            out.readBytes(bytes);
            out.release();
            return bytes;
        } finally {
            ch.finishAndReleaseAll();
        }
    }
}
