package io.tuns.bench;

import java.nio.file.Path;
import java.time.Duration;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.forward.AcceptAllForwardingFilter;

/**
 * Tunnel clients as {@code ssh -N -R t<i>:80:127.0.0.1:BACKEND} would open them, for the harnesses that hold many at
 * once: one started MINA client shared by all, and one SSH connection with one HTTP forward per tunnel.
 */
public final class TunnelClients {

    private TunnelClients() {
    }

    /** A started client that authenticates with the key in {@code keyFile} and sends no keepalives of its own. */
    public static SshClient start(Path keyFile) throws Exception {
        SshClient client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
        client.setForwardingFilter(AcceptAllForwardingFilter.INSTANCE);
        client.addPublicKeyIdentity(new FileKeyPairProvider(keyFile).loadKeys(null).iterator().next());
        CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, Duration.ZERO); // idle means idle: the server pings
        CoreModuleProperties.IDLE_TIMEOUT.set(client, Duration.ZERO);
        client.start();
        return client;
    }

    /**
     * Connects, authenticates and asks for the forward {@code t<n>:80}, each step within {@code step}; on failure the
     * half-open session is closed and the exception thrown.
     */
    public static ClientSession open(SshClient client, String host, int port, int n, int backendPort, Duration step)
            throws Exception {
        ClientSession session = client.connect("bench", host, port).verify(step).getSession();
        try {
            session.auth().verify(step);
            // as `ssh -N` does: no session channel will follow, so the server need not wait for command options
            Buffer noMore = session.createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST);
            noMore.putString("no-more-sessions@openssh.com");
            noMore.putBoolean(false);
            session.writePacket(noMore);
            session.startRemotePortForwarding(new SshdSocketAddress("t" + n, 80),
                    new SshdSocketAddress("127.0.0.1", backendPort));
            return session;
        } catch (Exception e) {
            session.close(true);
            throw e;
        }
    }
}
