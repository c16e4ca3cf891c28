package io.tuns.server.tls;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** Opens a TLS connection with a chosen SNI name (offering h2 and http/1.1), trusting anything. */
public final class TlsProbe {

    /** What the server presented: its leaf certificate and the ALPN protocol it picked ("" for none). */
    public record Handshake(X509Certificate leaf, String alpn) {
    }

    private TlsProbe() {
    }

    /** @param sniName null to send no SNI */
    public static Handshake handshake(int port, String sniName) throws IOException {
        try {
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, new TrustManager[] {new TrustAll()}, null);
            try (SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                SSLParameters p = s.getSSLParameters();
                if (sniName != null) {
                    p.setServerNames(List.of(new SNIHostName(sniName)));
                }
                p.setApplicationProtocols(new String[] {"h2", "http/1.1"});
                s.setSSLParameters(p);
                s.startHandshake();
                return new Handshake((X509Certificate) s.getSession().getPeerCertificates()[0],
                        s.getApplicationProtocol());
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    public static X509Certificate leaf(int port, String sniName) throws IOException {
        return handshake(port, sniName).leaf();
    }

    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
