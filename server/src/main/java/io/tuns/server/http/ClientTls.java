package io.tuns.server.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import io.tuns.server.cluster.HopTls;
import java.util.Map;

/** Whether the client's own connection is TLS: the mutual TLS of a hop between nodes does not count. */
final class ClientTls {

    private ClientTls() {
    }

    static boolean on(ChannelPipeline p) {
        return handler(p) != null;
    }

    /** The client's TLS handler, or null. */
    static SslHandler handler(ChannelPipeline p) {
        for (Map.Entry<String, ChannelHandler> h : p) {
            if (h.getValue() instanceof SslHandler ssl && !h.getKey().equals(HopTls.HANDLER_NAME)) {
                return ssl;
            }
        }
        return null;
    }
}
