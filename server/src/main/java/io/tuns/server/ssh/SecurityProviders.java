package io.tuns.server.ssh;

import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * MINA registers BouncyCastle (needed for ed25519 keys) the first time it touches its security classes. That
 * constructor loads ~800 classes from a signed jar, which class-data sharing cannot archive: about half of the
 * main thread's start-up. Started first thing on a thread of its own, it runs while the configuration is parsed
 * and the HTTP side is built; the first MINA call on the main thread then waits only for what is left.
 */
public final class SecurityProviders {

    private SecurityProviders() {
    }

    /** Starts the registration on a daemon thread and returns at once. */
    public static void registerInBackground() {
        Thread t = new Thread(SecurityProviders::register, "tuns-security-init");
        t.setDaemon(true);
        t.start();
    }

    static void register() {
        SecurityUtils.isBouncyCastleRegistered();
        KeyPairProvider.EMPTY_KEYPAIR_PROVIDER.getClass(); // its class initialiser is MINA's next big step
    }
}
