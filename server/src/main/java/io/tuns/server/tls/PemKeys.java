package io.tuns.server.tls;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/** Reads an unencrypted PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC) and checks it belongs to a certificate. */
final class PemKeys {

    private static final int PROBE_BYTES = 32;

    private PemKeys() {
    }

    static PrivateKey read(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file); PEMParser pem = new PEMParser(r)) {
            Object o = pem.readObject();
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            if (o instanceof PrivateKeyInfo info) {
                return conv.getPrivateKey(info);
            }
            if (o instanceof PEMKeyPair pair) {
                return conv.getKeyPair(pair).getPrivate();
            }
            if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                throw new IOException(file.getFileName() + " is encrypted; store the key without a passphrase");
            }
            throw new IOException(file.getFileName() + " holds no PEM private key");
        }
    }

    /** Throws when {@code key} is not the private half of {@code cert}'s public key. */
    static void checkMatch(PrivateKey key, X509Certificate cert) throws IOException {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null; // unusual key type: leave the check to the TLS handshake
        };
        if (alg == null) {
            return;
        }
        try {
            byte[] probe = new byte[PROBE_BYTES];
            new SecureRandom().nextBytes(probe);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(cert.getPublicKey());
            v.update(probe);
            if (!v.verify(sig)) {
                throw new IOException("the key does not belong to the certificate");
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("the key does not belong to the certificate (" + CertificatePair.rootMessage(e) + ")",
                    e);
        }
    }
}
