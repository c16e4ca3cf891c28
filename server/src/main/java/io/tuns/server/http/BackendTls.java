package io.tuns.server.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.tuns.server.tunnel.Tunnel;
import javax.net.ssl.SSLException;

/**
 * TLS towards services that speak it ({@code -R name:443:localhost:8443}): tuns terminates the visitor's TLS and
 * opens a second TLS session inside the tunnel. With {@code --verify-ssl} (the default) the service's certificate
 * must chain to the JVM's trust store and name the tunnel's public host (or its {@code host-header=}), which is
 * also sent as SNI. sish checks it against an internal socket name instead, so it only works with verification
 * off (research/sish.md §1.2); here the public name is what a certificate for the service would carry.
 */
public final class BackendTls {

    private final boolean verify;
    /** Built on first use: most servers never see a TLS service, and the JDK's TLS set-up costs start-up time. */
    private volatile SslContext context;

    public BackendTls(boolean verify) {
        this.verify = verify;
    }

    /** Builds the TLS context now (called off the start-up path, so that no event loop waits for it later). */
    public void prepare() {
        context();
    }

    private SslContext context() {
        SslContext c = context;
        if (c == null) {
            synchronized (this) {
                c = context;
                if (c == null) {
                    c = build(verify);
                    context = c;
                }
            }
        }
        return c;
    }

    private static SslContext build(boolean verify) {
        try {
            SslContextBuilder b = SslContextBuilder.forClient();
            if (verify) {
                b.endpointIdentificationAlgorithm("HTTPS");
            } else {
                b.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
            }
            return b.build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot set up TLS towards tunnel services: " + e.getMessage(), e);
        }
    }

    /** The name the service's certificate must carry: what the service is told it is called. */
    static String peerName(Tunnel tunnel) {
        String name = tunnel.options().hostHeader() != null ? tunnel.options().hostHeader() : tunnel.host();
        int colon = name.lastIndexOf(':');
        return colon > 0 && name.indexOf(':') == colon ? name.substring(0, colon) : name;
    }

    SslHandler newHandler(Tunnel tunnel) {
        return context().newHandler(ByteBufAllocator.DEFAULT, peerName(tunnel), 443);
    }

    /** A sentence for the 502 page when the TLS session with the service fails. */
    String explain(Tunnel tunnel, Throwable cause) {
        String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return "The service behind this tunnel was reached over TLS, but the TLS session failed (" + why + ")."
                + (verify ? " Its certificate must be valid for " + peerName(tunnel)
                        + " and trusted by this server (--verify-ssl)." : "");
    }
}
