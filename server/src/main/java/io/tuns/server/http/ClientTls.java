package io.tuns.server.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.tuns.server.cluster.HopTls;
import java.util.Map;

/**
 * Whether the client's own connection is TLS: the mutual TLS of a hop between nodes does not count; TLS the entry
 * node terminated before hopping the requests here does ({@link #AT_ENTRY}).
 */
final class ClientTls {

    private ClientTls() {
    }

    /** Set on a hop connection whose requests the client sent over TLS the entry node terminated. */
    static final AttributeKey<Boolean> AT_ENTRY = AttributeKey.valueOf("tuns.client-tls-at-entry");

    static boolean on(ChannelPipeline p) {
        return handler(p) != null || Boolean.TRUE.equals(p.channel().attr(AT_ENTRY).get());
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
