package io.tuns.server.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.util.AsyncMapping;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

/**
 * Picks the server certificate for a ClientHello's SNI name. A name no loaded certificate covers gets the fallback
 * at once and, when on-demand issuance is on, starts issuance in the background so later connections get a real
 * certificate; the handshake itself never waits for the CA.
 */
public final class SniSelector implements AsyncMapping<String, SslContext> {

    private final CertificateStore store;
    private final AcmeIssuer issuer;

    /** @param issuer null when on-demand certificates are off */
    public SniSelector(CertificateStore store, AcmeIssuer issuer) {
        this.store = store;
        this.issuer = issuer;
    }

    @Override
    public Future<SslContext> map(String host, Promise<SslContext> promise) {
        if (issuer != null && host != null && !store.covers(host)) {
            issuer.request(host);
        }
        return promise.setSuccess(store.select(host));
    }
}
