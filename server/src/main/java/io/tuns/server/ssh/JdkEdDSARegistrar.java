package io.tuns.server.ssh;

import java.security.Provider;
import java.security.Security;
import java.util.Optional;
import org.apache.sshd.common.util.security.AbstractSecurityProviderRegistrar;
import org.apache.sshd.common.util.security.eddsa.generic.EdDSASupport;

/**
 * Gives MINA ssh-ed25519 on the JDK's provider ({@link JdkEdDSASupport}). It claims no algorithm by name, so
 * everything else MINA asks for comes from the JDK's providers as they are ordered.
 */
final class JdkEdDSARegistrar extends AbstractSecurityProviderRegistrar {

    static final String NAME = "JdkEdDSA";
    private static final String SUN_EC = "SunEC";

    JdkEdDSARegistrar() {
        super(NAME);
    }

    @Override
    public String getProviderName() {
        return SUN_EC;
    }

    @Override
    public Provider getSecurityProvider() {
        return Security.getProvider(SUN_EC);
    }

    @Override
    public boolean isSupported() {
        return getSecurityProvider() != null;
    }

    @Override
    public boolean isNamedProviderUsed() {
        return false;
    }

    @Override
    public String getDefaultSecurityEntitySupportValue(Class<?> entityType) {
        return NO_OPTIONS_VALUE;
    }

    @Override
    public Optional<EdDSASupport<?, ?>> getEdDSASupport() {
        return Optional.of(new JdkEdDSASupport());
    }
}
