package io.tuns.server.proxyproto;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Who the client of a public Netty connection is: the source of its PROXY header when the listener takes one
 * ({@code --proxy-protocol-listener}, policy {@code use} or {@code require}), otherwise the socket's peer. Everything that identifies
 * the client (IP filter, X-Forwarded-For, inspector, TCP/SNI origin) asks here instead of
 * {@link Channel#remoteAddress()}.
 */
public final class ClientAddress {

    /** Set on the child channel once its PROXY header was read; absent otherwise. */
    static final AttributeKey<InetSocketAddress> FROM_HEADER = AttributeKey.valueOf(ClientAddress.class, "fromHeader");

    private ClientAddress() {
    }

    /** Records the client a trusted header named (a cluster hop's PROXY header from another node). */
    public static void trust(Channel ch, InetSocketAddress client) {
        ch.attr(FROM_HEADER).set(client);
    }

    public static InetSocketAddress of(Channel ch) {
        InetSocketAddress a = ch.attr(FROM_HEADER).get();
        if (a == null && ch.parent() != null) {
            a = ch.parent().attr(FROM_HEADER).get(); // an HTTP/2 stream: the header came on its connection
        }
        if (a != null) {
            return a;
        }
        SocketAddress r = ch.remoteAddress();
        return r instanceof InetSocketAddress isa ? isa : null;
    }
}
