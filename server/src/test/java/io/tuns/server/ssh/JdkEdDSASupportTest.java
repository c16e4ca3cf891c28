package io.tuns.server.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.InvalidKeyException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.EdECPublicKey;
import java.util.HexFormat;
import org.apache.sshd.common.signature.Signature;
import org.junit.jupiter.api.Test;

/** ssh-ed25519 on the JDK's provider: RFC 8032's first test vector, and keys the JDK generates. */
class JdkEdDSASupportTest {

    private static final HexFormat HEX = HexFormat.of();
    // RFC 8032, section 7.1, TEST 1 (empty message)
    private static final byte[] SECRET = HEX.parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    private static final byte[] PUBLIC = HEX.parseHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    private static final byte[] SIGNATURE = HEX.parseHex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065"
            + "224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");

    private final JdkEdDSASupport support = new JdkEdDSASupport();

    @Test
    void thePublicKeyRecoveredFromAPrivateKeyIsRfc8032s() throws Exception {
        EdECPrivateKey prv = support.generateEDDSAPrivateKey(SECRET);
        EdECPublicKey pub = support.recoverEDDSAPublicKey(prv);
        assertThat(support.getPublicKeyData(pub)).isEqualTo(PUBLIC);
        assertThat(support.getPrivateKeyData(prv)).isEqualTo(SECRET);
        assertThat(support.compareEDDSAPPublicKeys(pub, support.generateEDDSAPublicKey(PUBLIC))).isTrue();
        assertThat(support.getEDDSAKeySize(pub)).isEqualTo(256);
    }

    @Test
    void recoveringMatchesTheJdksOwnPairs() throws Exception {
        for (int i = 0; i < 20; i++) {
            KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            assertThat(support.recoverEDDSAPublicKey(kp.getPrivate()).getEncoded())
                    .isEqualTo(kp.getPublic().getEncoded());
        }
    }

    @Test
    void signaturesAreRfc8032sAndVerify() throws Exception {
        EdECPrivateKey prv = support.generateEDDSAPrivateKey(SECRET);
        Signature signer = support.getEDDSASigner();
        signer.initSigner(null, prv);
        signer.update(null, new byte[0]);
        byte[] sig = signer.sign(null);
        assertThat(sig).isEqualTo(SIGNATURE);

        Signature verifier = support.getEDDSASigner();
        verifier.initVerifier(null, support.generateEDDSAPublicKey(PUBLIC));
        verifier.update(null, new byte[0]);
        assertThat(verifier.verify(null, sig)).isTrue();
        sig[0] ^= 1;
        verifier.initVerifier(null, support.generateEDDSAPublicKey(PUBLIC));
        verifier.update(null, new byte[0]);
        assertThat(verifier.verify(null, sig)).isFalse();
    }

    @Test
    void anotherKindOfKeyIsRefused() throws Exception {
        KeyPair ec = KeyPairGenerator.getInstance("EC").generateKeyPair();
        assertThatThrownBy(() -> support.recoverEDDSAPublicKey(ec.getPrivate())).isInstanceOf(InvalidKeyException.class);
        assertThat(support.getEDDSAKeySize(ec.getPublic())).isEqualTo(-1);
    }
}
