package io.tuns.server.access;

import io.tuns.server.config.ServerConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may reach the SSH listener. The IP filter runs when the session is created, before the server sends a single
 * byte (sish also refuses before the handshake; no message is possible there). The per-IP limits are decided when the session is created but told
 * once keys are established, because an SSH disconnect message sent earlier would not reach the user: OpenSSH
 * then prints "Received disconnect from …: too many failed authentications from 203.0.113.7; try again in 10
 * minutes". A failure is each wrong password, or a whole connection that ends without authenticating after a key
 * was refused (so an agent offering five keys is not five failures).
 */
public final class SshGate implements SessionListener {

    private static final Logger log = LoggerFactory.getLogger(SshGate.class);
    /** Why this session is refused; it is disconnected with this sentence once keys are established. */
    private static final AttributeKey<Refusal> REFUSAL = new AttributeKey<>();
    /** The IP this session counts against in the limiter (absent when it was refused, so never released). */
    private static final AttributeKey<InetAddress> COUNTED = new AttributeKey<>();
    /** A key was refused and no password failure has been counted yet. */
    private static final AttributeKey<Boolean> KEY_REFUSED = new AttributeKey<>();
    private static final AttributeKey<Boolean> PASSWORD_FAILED = new AttributeKey<>();

    private record Refusal(int reason, String message) {
    }

    private final IpFilter ipFilter;
    private final ConnectionLimiter limiter;

    public SshGate(IpFilter ipFilter, ConnectionLimiter limiter) {
        this.ipFilter = ipFilter;
        this.limiter = limiter;
    }

    public static SshGate of(ServerConfig cfg, IpFilter ipFilter) {
        return new SshGate(ipFilter,
                new ConnectionLimiter(cfg.maxConnectionsPerIp(), cfg.maxAuthFailuresPerIp(), cfg.authFailureWindow(),
                        cfg.authFailureBan(), System::nanoTime));
    }

    @Override
    public void sessionCreated(Session session) {
        if (closing(session)) {
            return; // dropped by a listener before this one (--max-startups): nothing to count or refuse
        }
        if (session instanceof ServerSession s && s.getServerProxyAcceptor() != null) {
            return; // --proxy-protocol-listener: the client is known after its PROXY header, which calls admit()
        }
        admit(session);
    }

    /** The IP filter and per-IP limits, against the session's client address (a PROXY header's source if any). */
    public void admit(Session session) {
        if (!ipFilter.isOpen() && !ipFilter.allows(client(session))) {
            // before the server's version line; not in IoServiceEventListener.connectionAccepted, where a refusal
            // leaves the socket open in MINA 2.20 (the accept handler closes only a session it has created)
            log.info("event=ip_refused listener=ssh client={}", client(session));
            session.getIoSession().close(true);
            return;
        }
        InetAddress ip = ip(client(session));
        if (ip == null) {
            return;
        }
        String ban = limiter.banned(ip);
        if (ban != null) {
            refuse(session, SshConstants.SSH2_DISCONNECT_HOST_NOT_ALLOWED_TO_CONNECT, ban);
            return;
        }
        String busy = limiter.admit(ip);
        if (busy != null) {
            refuse(session, SshConstants.SSH2_DISCONNECT_TOO_MANY_CONNECTIONS, busy);
            return;
        }
        session.setAttribute(COUNTED, ip);
        if (closing(session)) {
            // closed meanwhile: its sessionClosed may have run before the count, and would never release it
            release(session);
        }
    }

    private static boolean closing(Session session) {
        return !session.isOpen() || !session.getIoSession().isOpen();
    }

    /** Gives the session's count back, once, whichever exit comes first. */
    private InetAddress release(Session session) {
        InetAddress ip = session.removeAttribute(COUNTED);
        if (ip != null) {
            limiter.release(ip);
        }
        return ip;
    }

    private static void refuse(Session session, int reason, String message) {
        log.info("event=ssh_refused client={} reason=\"{}\"", client(session), message);
        session.setAttribute(REFUSAL, new Refusal(reason, message));
    }

    @Override
    public void sessionEvent(Session session, Event event) {
        Refusal refusal = session.getAttribute(REFUSAL);
        // KexCompleted, not KeyEstablished: only once both sides switched keys does OpenSSH read (and print) it
        if (event == Event.KexCompleted && refusal != null) {
            disconnect(session, refusal.reason(), refusal.message());
        }
    }

    @Override
    public void sessionClosed(Session session) {
        InetAddress ip = release(session);
        if (ip == null) {
            return;
        }
        if (!session.isAuthenticated() && Boolean.TRUE.equals(session.getAttribute(KEY_REFUSED))
                && session.getAttribute(PASSWORD_FAILED) == null) {
            limiter.authFailed(ip);
        }
    }

    /** A key was refused; it counts as one failure if the connection never authenticates. */
    public void keyRefused(Session session) {
        session.setAttribute(KEY_REFUSED, Boolean.TRUE);
    }

    /** A wrong password counts at once; the one that starts a ban also ends the connection with the reason. */
    public void passwordFailed(Session session) {
        InetAddress ip = ip(client(session));
        if (ip == null) {
            return;
        }
        session.setAttribute(PASSWORD_FAILED, Boolean.TRUE);
        String ban = limiter.authFailed(ip);
        if (ban != null) {
            log.info("event=ssh_banned client={} reason=\"{}\"", client(session), ban);
            disconnect(session, SshConstants.SSH2_DISCONNECT_HOST_NOT_ALLOWED_TO_CONNECT, ban);
        }
    }

    private static void disconnect(Session session, int reason, String message) {
        try {
            session.disconnect(reason, message);
        } catch (IOException e) {
            session.close(true);
        }
    }

    /** The client: a PROXY header's source (--proxy-protocol-listener), otherwise the socket's peer. */
    private static SocketAddress client(Session session) {
        return session instanceof ServerSession s ? s.getClientAddress() : session.getRemoteAddress();
    }

    private static InetAddress ip(SocketAddress remote) {
        return remote instanceof InetSocketAddress isa ? isa.getAddress() : null;
    }
}
