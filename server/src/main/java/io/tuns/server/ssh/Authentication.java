package io.tuns.server.ssh;

import io.tuns.server.access.AuthCallback;
import io.tuns.server.access.SshGate;
import io.tuns.server.config.ConfigException;
import io.tuns.server.config.ServerConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.PublicKey;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.server.auth.password.PasswordAuthenticator;
import org.apache.sshd.server.auth.pubkey.PublickeyAuthenticator;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may open tunnels: keys from the authorized-keys directory, the shared password, everyone
 * ({@code --authentication=false}), or — only while SSH listens on loopback and nothing is configured —
 * any key, with a warning, so that the first run works on a laptop without set-up.
 */
final class Authentication {

    /** The key offered last; MINA asks before checking the signature, so it is trusted only once authenticated. */
    static final AttributeKey<PublicKey> CANDIDATE_KEY = new AttributeKey<>();
    private static final Logger log = LoggerFactory.getLogger(Authentication.class);

    private final ServerConfig cfg;
    private final AuthorizedKeysDirectory keys;
    private final boolean loopbackOnly;
    private final SshEvents events;
    // access: sish's callback URLs, asked after the local keys and password; failures feed the per-IP limits
    private final AuthCallback callback;
    private final SshGate gate;

    Authentication(ServerConfig cfg, SshEvents events, AuthCallback callback, SshGate gate) {
        this.cfg = cfg;
        this.events = events;
        this.callback = callback;
        this.gate = gate;
        this.keys = new AuthorizedKeysDirectory(cfg.authenticationKeysDirectory());
        this.loopbackOnly = isLoopback(cfg.sshHost());
        if (cfg.authentication() && nothingConfigured()) {
            if (!loopbackOnly) {
                throw new ConfigException("--authentication: no SSH keys or password are configured and --ssh-address "
                        + cfg.sshAddress() + " is not loopback; add public keys to --authentication-keys-directory ("
                        + cfg.authenticationKeysDirectory() + "), set --authentication-password, or pass --authentication=false");
            }
        }
    }

    /** Printed at start when anyone with any key may connect. */
    String openAccessWarning() {
        if (!cfg.authentication()) {
            return "authentication is off (--authentication=false): anyone who reaches " + cfg.sshAddress()
                    + " can open tunnels";
        }
        if (openMode()) {
            return "no SSH keys or password are configured: accepting ANY key on loopback " + cfg.sshAddress()
                    + ". Add keys to " + cfg.authenticationKeysDirectory() + " to restrict access.";
        }
        return null;
    }

    void watch(java.util.concurrent.ScheduledExecutorService scheduler) {
        keys.watch(scheduler, cfg.authenticationKeysDirectoryWatchInterval().toMillis());
    }

    private boolean openMode() {
        return loopbackOnly && nothingConfigured();
    }

    private boolean nothingConfigured() {
        return keys.isEmpty() && cfg.authenticationPassword().isEmpty() && !callback.hasKeyUrl()
                && !callback.hasPasswordUrl();
    }

    PublickeyAuthenticator publickey() {
        return (String user, PublicKey key, ServerSession session) -> {
            boolean ok = !cfg.authentication() || openMode() || keys.contains(key)
                    || callback.approveKey(user, key, session.getClientAddress()); // sish: local keys first
            if (ok) {
                session.setAttribute(CANDIDATE_KEY, key);
            } else {
                events.authFailed("publickey", String.valueOf(session.getClientAddress()));
                gate.keyRefused(session);
            }
            return ok;
        };
    }

    PasswordAuthenticator password() {
        return (String user, String password, ServerSession session) -> {
            session.removeAttribute(CANDIDATE_KEY);
            if (!cfg.authentication()) {
                return true;
            }
            String expected = cfg.authenticationPassword();
            boolean ok = !expected.isEmpty() && MessageDigest.isEqual(
                    expected.getBytes(StandardCharsets.UTF_8), password.getBytes(StandardCharsets.UTF_8))
                    || callback.approvePassword(user, password, session.getClientAddress());
            if (!ok) {
                events.authFailed("password", String.valueOf(session.getClientAddress()));
                log.info("event=auth_failed method=password client={}", session.getClientAddress());
                gate.passwordFailed(session);
            }
            return ok;
        };
    }

    private static boolean isLoopback(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
