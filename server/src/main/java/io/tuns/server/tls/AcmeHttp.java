package io.tuns.server.tls;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.provider.GenericAcmeProvider;

/** An acme4j session whose HTTP client also trusts the CAs in {@link AcmeSettings#trustPem()}. */
final class AcmeHttp {

    private AcmeHttp() {
    }

    static Session session(AcmeSettings settings) throws IOException {
        if (settings.trustPem() == null) {
            return new Session(settings.directory());
        }
        SSLContext ssl = sslContext(settings.trustPem());
        return new Session(settings.directory(), new GenericAcmeProvider() {
            @Override
            public HttpClient createHttpClient(NetworkSettings network) {
                HttpClient.Builder b = HttpClient.newBuilder()
                        .followRedirects(HttpClient.Redirect.NORMAL)
                        .connectTimeout(network.getTimeout())
                        .proxy(network.getProxySelector())
                        .sslContext(ssl);
                if (network.getAuthenticator() != null) {
                    b.authenticator(network.getAuthenticator());
                }
                return b.build();
            }
        });
    }

    /** The JDK's trusted CAs plus every certificate in {@code pem}. */
    static SSLContext sslContext(Path pem) throws IOException {
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int n = 0;
            for (X509Certificate ca : defaultTrust().getAcceptedIssuers()) {
                ks.setCertificateEntry("jdk-" + n++, ca);
            }
            try (InputStream in = Files.newInputStream(pem)) {
                for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    ks.setCertificateEntry("extra-" + n++, c);
                }
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            return ssl;
        } catch (GeneralSecurityException e) {
            throw new IOException(AcmeSettings.TRUST_ENV + "=" + pem + " could not be used as CA certificates: "
                    + CertificatePair.rootMessage(e), e);
        }
    }

    private static X509TrustManager defaultTrust() throws GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init((KeyStore) null);
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("the JDK has no X.509 trust manager");
    }
}
