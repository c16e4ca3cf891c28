package io.tuns.server.proxyproto;

import io.tuns.server.config.ServerConfig;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.session.AbstractServerSession;
import org.apache.sshd.server.session.ServerProxyAcceptor;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --proxy-protocol-listener} on the SSH listener. MINA calls {@link #acceptServerProxyMetadata} with the
 * bytes received before the client's SSH version line, again on every read until that line is complete, each time
 * from the start (it rewinds the buffer when the line is incomplete). A header's source becomes the session's client
 * address ({@link ServerSession#getClientAddress()}, policy {@code use} or {@code require}); {@code onClientKnown} (the IP filter and
 * per-IP limits) runs once, when the question is settled.
 */
public final class SshProxyAcceptor implements ServerProxyAcceptor, SessionListener {

    private static final Logger log = LoggerFactory.getLogger(SshProxyAcceptor.class);

    private enum State { PARTIAL, DONE }

    private static final AttributeKey<State> STATE = new AttributeKey<>();

    private final ProxyProtocolPolicy.Settings settings;
    private final Consumer<Session> onClientKnown;

    SshProxyAcceptor(ProxyProtocolPolicy.Settings settings, Consumer<Session> onClientKnown) {
        this.settings = settings;
        this.onClientKnown = onClientKnown;
    }

    /**
     * Installs the acceptor when {@code --proxy-protocol-listener} is on.
     *
     * @param onClientKnown called once per session with the real client address in place (the access gate)
     * @return whether it was installed
     */
    public static boolean install(SshServer sshd, ServerConfig cfg, Consumer<Session> onClientKnown) {
        ProxyProtocolPolicy.Settings s = ProxyProtocolPolicy.Settings.of(cfg);
        if (s == null) {
            return false;
        }
        SshProxyAcceptor a = new SshProxyAcceptor(s, onClientKnown);
        sshd.setServerProxyAcceptor(a);
        if (s.timeoutOrNull() != null) {
            sshd.addSessionListener(a);
        }
        return true;
    }

    @Override
    public boolean acceptServerProxyMetadata(ServerSession session, Buffer buffer) {
        if (!session.isOpen()) {
            return false;
        }
        int rpos = buffer.rpos();
        ProxyHeaderParser.Result r = ProxyHeaderParser.parse(buffer.array(), rpos, buffer.available());
        switch (r.kind()) {
            case NEED_MORE -> {
                session.setAttribute(STATE, State.PARTIAL);
                return false;
            }
            case ABSENT -> {
                if (settings.policy() == ProxyProtocolPolicy.REQUIRE) {
                    return refuse(session, "no PROXY header (policy require)");
                }
                return known(session, null);
            }
            case INVALID -> {
                return refuse(session, "bad PROXY header: " + r.error());
            }
            default -> {
                if (settings.policy() == ProxyProtocolPolicy.REJECT) {
                    return refuse(session, "PROXY header refused by policy reject");
                }
                buffer.rpos(rpos + r.length()); // the version line follows
                return known(session, settings.policy() != ProxyProtocolPolicy.IGNORE ? r.source() : null);
            }
        }
    }

    private boolean known(ServerSession session, InetSocketAddress source) {
        if (session.getAttribute(STATE) == State.DONE) {
            return true; // an earlier read got this far; the version line was incomplete then
        }
        if (source != null && session instanceof AbstractServerSession s) {
            s.setClientAddress(source);
        }
        session.setAttribute(STATE, State.DONE);
        onClientKnown.accept(session);
        return session.isOpen() && !session.isClosing(); // refused by the IP filter: read nothing more
    }

    private static boolean refuse(ServerSession session, String why) {
        log.info("event=proxy_protocol_refused listener=ssh client={} reason=\"{}\"", session.getRemoteAddress(), why);
        session.close(true);
        return false;
    }

    /** With {@code --proxy-protocol-use-timeout}: a header still incomplete, or missing under require, closes. */
    @Override
    public void sessionCreated(Session session) {
        session.getFactoryManager().getScheduledExecutorService().schedule(() -> {
            State st = session.getAttribute(STATE);
            if (st == State.DONE || !session.isOpen()) {
                return;
            }
            if (st == State.PARTIAL || settings.policy() == ProxyProtocolPolicy.REQUIRE) {
                log.info("event=proxy_protocol_refused listener=ssh client={} reason=\"no complete PROXY header"
                        + " within {} ms\"", session.getRemoteAddress(), settings.timeoutOrNull().toMillis());
                session.close(true);
            }
        }, settings.timeoutOrNull().toMillis(), TimeUnit.MILLISECONDS);
    }
}
