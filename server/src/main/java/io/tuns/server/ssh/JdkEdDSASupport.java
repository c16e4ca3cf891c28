package io.tuns.server.ssh;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.EdECKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.EdECPublicKey;
import java.security.spec.KeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import org.apache.sshd.common.config.keys.PrivateKeyEntryDecoder;
import org.apache.sshd.common.config.keys.PublicKeyEntryDecoder;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.apache.sshd.common.util.security.eddsa.generic.EdDSASupport;
import org.apache.sshd.common.util.security.eddsa.generic.EdDSAUtils;
import org.apache.sshd.common.util.security.eddsa.generic.GenericEd25519PublicKeyDecoder;
import org.apache.sshd.common.util.security.eddsa.generic.GenericOpenSSHEd25519PrivateKeyEntryDecoder;
import org.apache.sshd.common.util.security.eddsa.generic.GenericSignatureEd25519;

/**
 * ssh-ed25519 keys and signatures on the JDK's own Ed25519 (SunEC, JDK 15+), for MINA, which ships this support
 * only on BouncyCastle's or net.i2p's provider. MINA's BouncyCastle version, with the JDK's key interfaces; the one
 * thing the JDK does not offer is the public key of a private key, see {@link #recoverEDDSAPublicKey}.
 */
final class JdkEdDSASupport implements EdDSASupport<EdECPublicKey, EdECPrivateKey> {

    private static final String ED25519 = SecurityUtils.ED25519;

    @Override
    public PublicKeyEntryDecoder<EdECPublicKey, EdECPrivateKey> getEDDSAPublicKeyEntryDecoder() {
        return new GenericEd25519PublicKeyDecoder<>(EdECPublicKey.class, EdECPrivateKey.class, this);
    }

    @Override
    public PrivateKeyEntryDecoder<EdECPublicKey, EdECPrivateKey> getOpenSSHEDDSAPrivateKeyEntryDecoder() {
        return new GenericOpenSSHEd25519PrivateKeyEntryDecoder<>(EdECPublicKey.class, EdECPrivateKey.class, this);
    }

    @Override
    public Signature getEDDSASigner() {
        return new GenericSignatureEd25519(SecurityUtils.EDDSA); // the JDK's "EdDSA" signature takes Ed25519 keys
    }

    @Override
    public int getEDDSAKeySize(Key key) {
        return isEd25519(key) ? KEY_SIZE : -1;
    }

    @Override
    public Class<EdECPublicKey> getEDDSAPublicKeyType() {
        return EdECPublicKey.class;
    }

    @Override
    public Class<EdECPrivateKey> getEDDSAPrivateKeyType() {
        return EdECPrivateKey.class;
    }

    @Override
    public boolean compareEDDSAPPublicKeys(PublicKey k1, PublicKey k2) {
        return isEd25519(k1) && isEd25519(k2) && Arrays.equals(k1.getEncoded(), k2.getEncoded());
    }

    @Override
    public boolean compareEDDSAPrivateKeys(PrivateKey k1, PrivateKey k2) {
        return isEd25519(k1) && isEd25519(k2) && Arrays.equals(k1.getEncoded(), k2.getEncoded());
    }

    /**
     * The JDK derives an Ed25519 public key only while generating a pair (RFC 8032: the private key is 32 random
     * bytes, the public key computed from them), so the generator is handed a "random" source that yields the
     * private key's own bytes. MINA checks the result against the public key stored beside it in the key file.
     */
    @Override
    public EdECPublicKey recoverEDDSAPublicKey(PrivateKey key) throws GeneralSecurityException {
        if (!(key instanceof EdECPrivateKey ed) || !isEd25519(key)) {
            throw new InvalidKeyException("Private key is not " + ED25519);
        }
        byte[] seed = ed.getBytes().orElseThrow(() -> new InvalidKeyException("Ed25519 private key has no bytes"));
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance(ED25519);
            gen.initialize(NamedParameterSpec.ED25519, new FixedBytes(seed));
            return (EdECPublicKey) gen.generateKeyPair().getPublic();
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    @Override
    public EdECPublicKey generateEDDSAPublicKey(byte[] seed) throws GeneralSecurityException {
        return (EdECPublicKey) KeyFactory.getInstance(ED25519).generatePublic(EdDSAUtils.createPublicKeySpec(seed));
    }

    @Override
    public EdECPrivateKey generateEDDSAPrivateKey(byte[] seed) throws GeneralSecurityException {
        return (EdECPrivateKey) KeyFactory.getInstance(ED25519).generatePrivate(EdDSAUtils.createPrivateKeySpec(seed));
    }

    @Override
    public <B extends Buffer> B putRawEDDSAPublicKey(B buffer, PublicKey key) {
        try {
            buffer.putBytes(EdDSAUtils.getBytes(key));
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return buffer;
    }

    @Override
    public <B extends Buffer> B putEDDSAKeyPair(B buffer, PublicKey pubKey, PrivateKey prvKey) {
        throw new UnsupportedOperationException("Full SSHD-440 implementation N/A"); // as MINA's own supports
    }

    @Override
    public KeySpec createPublicKeySpec(EdECPublicKey publicKey) {
        return new X509EncodedKeySpec(publicKey.getEncoded());
    }

    @Override
    public KeySpec createPrivateKeySpec(EdECPrivateKey privateKey) {
        return new PKCS8EncodedKeySpec(privateKey.getEncoded());
    }

    @Override
    public byte[] getPublicKeyData(EdECPublicKey publicKey) {
        try {
            return publicKey == null ? null : EdDSAUtils.getBytes(publicKey);
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    @Override
    public byte[] getPrivateKeyData(EdECPrivateKey privateKey) throws IOException {
        try {
            return EdDSAUtils.getBytes(privateKey);
        } catch (InvalidKeyException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public String getKeyFactoryAlgorithm() {
        return ED25519;
    }

    private static boolean isEd25519(Key key) {
        return key instanceof EdECKey ed && ED25519.equalsIgnoreCase(ed.getParams().getName());
    }

    /** A source that yields the given bytes once: the private key a generator is to use. */
    private static final class FixedBytes extends SecureRandom {

        private static final long serialVersionUID = 1L;

        private final byte[] bytes;
        private boolean used;

        FixedBytes(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public synchronized void nextBytes(byte[] out) {
            if (used || out.length != bytes.length) {
                throw new IllegalStateException("Ed25519 key generation asked for other bytes than the private key");
            }
            used = true;
            System.arraycopy(bytes, 0, out, 0, out.length);
        }
    }
}
