package io.tuns.server.ssh;

import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * The JCE providers MINA uses. By default MINA registers BouncyCastle's provider, for ed25519 keys alone on JDK 17
 * (the rest is in the JDK): ~780 classes from a signed jar, its ~4,300 algorithm entries and ~0.4 s of start-up CPU.
 * tuns registers the JDK's Ed25519 instead ({@link JdkEdDSARegistrar}); BouncyCastle stays on the class path for
 * the post-quantum key exchanges (sntrup761, mlkem768), which MINA calls directly, not through a provider.
 * {@code -Dorg.apache.sshd.security.provider.BC.enabled=true} brings MINA's default back.
 */
public final class SecurityProviders {

    static final String BC_ENABLED_PROPERTY = "org.apache.sshd.security.provider."
            + SecurityUtils.BOUNCY_CASTLE + ".enabled";

    private SecurityProviders() {
    }

    /** Starts the registration on a daemon thread and returns at once; it overlaps the configuration's parsing. */
    public static void registerInBackground() {
        Thread t = new Thread(SecurityProviders::register, "tuns-security-init");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Chooses the providers, once per JVM: before MINA's first security call (which fixes its choice for good);
     * later calls change nothing.
     */
    static synchronized void register() {
        if (!SecurityUtils.isRegistrationCompleted() && System.getProperty(BC_ENABLED_PROPERTY) == null) {
            SecurityUtils.setAPrioriDisabledProvider(SecurityUtils.BOUNCY_CASTLE, true);
            SecurityUtils.registerSecurityProvider(new JdkEdDSARegistrar());
        }
        SecurityUtils.isEDDSACurveSupported(); // MINA's own registration, now
        KeyPairProvider.EMPTY_KEYPAIR_PROVIDER.getClass(); // its class initialiser is MINA's next big step
    }
}
