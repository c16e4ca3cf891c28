package io.tuns.server.tls;

import java.security.Security;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * BouncyCastle as a JCE provider, for the libraries that name it (acme4j's key utilities). Not registered at start:
 * SSH runs on the JDK's providers (ssh/SecurityProviders), and the provider is ~750 classes that a server without
 * ACME never needs. Added last, so the JDK's providers keep their precedence for everything else.
 */
final class BouncyCastleJce {

    private BouncyCastleJce() {
    }

    static synchronized void register() {
        if (Security.getProvider(BouncyCastleProvider.PROVIDER_NAME) == null) {
            Security.addProvider(new BouncyCastleProvider());
        }
    }
}
