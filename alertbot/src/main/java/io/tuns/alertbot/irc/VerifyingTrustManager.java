package io.tuns.alertbot.irc;

import io.netty.handler.ssl.util.SimpleTrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * PKIX validation (JRE trust store or a pinned CA file) plus the hostname check that KICL does not do. It remembers
 * why it rejected a certificate so the watchdog can report "certificate is for X, not Y" instead of "handshake failed".
 */
public final class VerifyingTrustManager extends X509ExtendedTrustManager {
    private final X509TrustManager pkix;
    private final String host;
    private final AtomicReference<String> rejection = new AtomicReference<>();

    public VerifyingTrustManager(X509TrustManager pkix, String host) {
        this.pkix = pkix;
        this.host = host;
    }

    /** PKIX trust manager over the JRE store, or over the certificates in a PEM file. */
    public static X509TrustManager pkix(Optional<Path> caFile) throws IOException, GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (caFile.isEmpty()) {
            tmf.init((KeyStore) null);
        } else {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            try (InputStream in = Files.newInputStream(caFile.get())) {
                int i = 0;
                for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    ks.setCertificateEntry("ca" + i++, c);
                }
                if (i == 0) {
                    throw new CertificateException("no certificate in " + caFile.get());
                }
            }
            tmf.init(ks);
        }
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("no X509TrustManager available");
    }

    /** Wraps this in the TrustManagerFactory type KICL's builder takes. */
    public TrustManagerFactory asFactory() {
        TrustManager[] tms = {this};
        return new SimpleTrustManagerFactory() {
            @Override
            protected void engineInit(KeyStore keyStore) {}

            @Override
            protected void engineInit(ManagerFactoryParameters params) {}

            @Override
            protected TrustManager[] engineGetTrustManagers() {
                return tms;
            }
        };
    }

    /** Why the last handshake's certificate was rejected, or null. */
    public String rejection() {
        return rejection.get();
    }

    private void check(X509Certificate[] chain, String authType) throws CertificateException {
        try {
            pkix.checkServerTrusted(chain, authType);
        } catch (CertificateException e) {
            rejection.set("certificate not trusted: " + rootMessage(e));
            throw e;
        }
        String mismatch = HostnameMatcher.mismatch(chain[0], host);
        if (mismatch != null) {
            rejection.set(mismatch);
            throw new CertificateException(mismatch);
        }
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage());
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("client certificates are not accepted");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("client certificates are not accepted");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("client certificates are not accepted");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
    }
}
