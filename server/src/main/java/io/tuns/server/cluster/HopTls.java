package io.tuns.server.cluster;

import io.netty.channel.Channel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProtocols;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;

/**
 * Mutual TLS on every hop: the listener demands a certificate signed by the cluster CA, and the dialer presents one
 * and checks the owner's against the same CA. A node is any holder of a CA-signed certificate; host names are not
 * checked, since nodes dial each other by whatever address they advertise (often an IP). TLS 1.3 only: both ends
 * are tuns.
 */
public final class HopTls {

    /** The name of the hop's TLS handler in both pipelines (not the client's TLS). */
    public static final String HANDLER_NAME = "hop-tls";
    /** How long a TLS handshake between nodes may take. */
    static final long HANDSHAKE_TIMEOUT_MILLIS = 5_000;

    private final SslContext server;
    private final SslContext client;

    private HopTls(SslContext server, SslContext client) {
        this.server = server;
        this.client = client;
    }

    /** @param chain this node's certificate first; {@code cas} the cluster CA (one or more, for a CA roll-over) */
    public static HopTls of(PrivateKey key, X509Certificate[] chain, X509Certificate[] cas) throws SSLException {
        SslContext server = SslContextBuilder.forServer(key, chain).trustManager(cas).clientAuth(ClientAuth.REQUIRE)
                .protocols(SslProtocols.TLS_v1_3).build();
        // no host name check: the CA signs nodes only, and nodes dial the address a peer advertised
        SslContext client = SslContextBuilder.forClient().keyManager(key, chain).trustManager(cas)
                .endpointIdentificationAlgorithm(null)
                .protocols(SslProtocols.TLS_v1_3).build();
        return new HopTls(server, client);
    }

    /** Listener side: the first handler of an accepted hop. */
    SslHandler accepting(Channel ch) {
        SslHandler h = server.newHandler(ch.alloc());
        h.setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MILLIS);
        return h;
    }

    /** Dialer side: the first handler of a hop to {@code host:port}; writes wait for the handshake. */
    SslHandler dialing(Channel ch, String host, int port) {
        SslHandler h = client.newHandler(ch.alloc(), host, port);
        h.setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MILLIS);
        return h;
    }
}
