package io.tuns.server.tls;

import io.tuns.server.cluster.HopTls;
import io.tuns.server.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code --cluster-tls-cert}, {@code --cluster-tls-key} and {@code --cluster-tls-ca} into the hops' mutual
 * TLS. Any problem is one line naming the flag at fault: a file without a PEM certificate, a key that is not the
 * certificate's, a certificate the given CA did not sign (this node could never hop).
 */
public final class ClusterCredentials {

    private ClusterCredentials() {
    }

    public static HopTls load(Path cert, Path key, Path ca) {
        X509Certificate[] chain = certificates("cluster-tls-cert", cert);
        X509Certificate[] cas = certificates("cluster-tls-ca", ca);
        PrivateKey k;
        try {
            k = PemKeys.read(key);
            PemKeys.checkMatch(k, chain[0]);
        } catch (IOException | RuntimeException e) {
            throw new ConfigException("--cluster-tls-key " + key + ": " + CertificatePair.rootMessage(e));
        }
        if (!signedByOneOf(chain, cas)) {
            throw new ConfigException("--cluster-tls-cert " + cert + ": not signed by the CA in --cluster-tls-ca "
                    + ca + " (other nodes would refuse this one)");
        }
        try {
            return HopTls.of(k, chain, cas);
        } catch (IOException | RuntimeException e) {
            throw new ConfigException("--cluster-tls-cert " + cert + ": " + CertificatePair.rootMessage(e));
        }
    }

    private static X509Certificate[] certificates(String flag, Path file) {
        List<X509Certificate> certs = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certs.add((X509Certificate) c);
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new ConfigException("--" + flag + " " + file + ": not a PEM certificate ("
                    + CertificatePair.rootMessage(e) + ")");
        }
        if (certs.isEmpty()) {
            throw new ConfigException("--" + flag + " " + file + ": holds no PEM certificate");
        }
        return certs.toArray(X509Certificate[]::new);
    }

    /** Some certificate of the chain (this node's, or an intermediate) was signed by one of the CAs. */
    private static boolean signedByOneOf(X509Certificate[] chain, X509Certificate[] cas) {
        for (X509Certificate c : chain) {
            for (X509Certificate ca : cas) {
                if (c.equals(ca)) {
                    continue; // the CA itself sent along proves nothing
                }
                try {
                    c.verify(ca.getPublicKey());
                    return true;
                } catch (GeneralSecurityException | RuntimeException e) {
                    // not this pair
                }
            }
        }
        return false;
    }
}
