package io.tuns.server.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.net.ssl.SSLException;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The certificate served when nothing better exists: self-signed for {@code domain} and {@code *.domain}, made in
 * memory (never written), so browsers warn but {@code curl -k} and tests work.
 */
final class SelfSigned {

    private static final Duration VALIDITY = Duration.ofDays(90);
    private static final Duration CLOCK_SKEW = Duration.ofHours(1);
    private static final int SERIAL_BITS = 64;

    private SelfSigned() {
    }

    static CertificatePair forDomain(String domain, boolean h2) {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair kp = gen.generateKeyPair();
            Instant now = Instant.now();
            X500Name subject = new X500Name("CN=" + domain);
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject,
                    new BigInteger(SERIAL_BITS, new SecureRandom()), Date.from(now.minus(CLOCK_SKEW)),
                    Date.from(now.plus(VALIDITY)), subject, kp.getPublic());
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, domain),
                    new GeneralName(GeneralName.dNSName, "*." + domain)}));
            X509Certificate cert = new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
            return CertificatePair.of("self-signed", kp.getPrivate(), cert, h2);
        } catch (GeneralSecurityException | OperatorCreationException | java.io.IOException e) {
            // the JDK always has EC P-256 and SHA256withECDSA; failing here is a broken runtime
            throw new IllegalStateException("cannot make a self-signed certificate for " + domain + ": "
                    + CertificatePair.rootMessage(e), e);
        }
    }
}
