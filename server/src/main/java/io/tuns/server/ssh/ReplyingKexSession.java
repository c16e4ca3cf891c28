package io.tuns.server.ssh;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.common.io.IoSession;
import org.apache.sshd.common.kex.KexState;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.ServerFactoryManager;
import org.apache.sshd.server.session.ServerSessionImpl;
import org.apache.sshd.server.session.SessionFactory;

/**
 * A server session that sends its first KEXINIT in reply to the client's, not straight after the client's version
 * line as MINA does, so {@link ClientCiphers} can choose our cipher offer from the ciphers the client listed. RFC
 * 4253 §7.1 lets either side send first, and MINA already answers this way when a client starts a re-key: with the
 * kex state DONE, the client's KEXINIT makes MINA send ours (AbstractSession.doKexNegotiation). A client that waits
 * for the server to go first (MINA's own client can be set so) gets ours after {@link #CLIENT_FIRST_WAIT}, with the
 * full list, since we still know nothing of its ciphers.
 */
final class ReplyingKexSession extends ServerSessionImpl {

    /** Long enough for a client's KEXINIT, sent right after its version line, to arrive; short as a stall. */
    static final Duration CLIENT_FIRST_WAIT = Duration.ofMillis(500);

    // plain volatiles: MINA's constructor runs before field initialisers, and only the I/O thread calls the
    // no-argument sendKexInit before the first key exchange ends
    private volatile boolean heldBack;
    private volatile boolean clientKexInitRead;

    private ReplyingKexSession(ServerFactoryManager server, IoSession io) throws Exception {
        super(server, io);
    }

    /** MINA's session factory, making these sessions. */
    static SessionFactory factory(ServerFactoryManager server) {
        return new SessionFactory(server) {
            @Override
            protected ServerSessionImpl doCreateSession(IoSession io) throws Exception {
                return new ReplyingKexSession(getServer(), io);
            }
        };
    }

    @Override
    protected byte[] sendKexInit() throws Exception {
        if (!clientKexInitRead && !heldBack) {
            heldBack = true;
            // the first call comes from reading the client's version line, which set INIT; DONE waits for the client
            kexHandler.updateState(() -> kexState.set(KexState.DONE));
            getFactoryManager().getScheduledExecutorService()
                    .schedule(this::sendIfClientSilent, CLIENT_FIRST_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return null; // the caller ignores the seed; ours is recorded when it is really sent
        }
        return super.sendKexInit();
    }

    @Override
    protected byte[] receiveKexInit(Buffer buffer) throws Exception {
        clientKexInitRead = true;
        return super.receiveKexInit(buffer);
    }

    /** The client waits for us: go first, as MINA would have, unless its KEXINIT has started the exchange since. */
    private void sendIfClientSilent() {
        if (!isOpen()) {
            return;
        }
        boolean ours = kexHandler.updateState(() -> !clientKexInitRead
                && kexState.compareAndSet(KexState.DONE, KexState.INIT));
        if (!ours) {
            return;
        }
        log.debug("event=ssh_kexinit_first session={} reason=client_silent", this);
        try {
            super.sendKexInit();
        } catch (Exception e) {
            exceptionCaught(e); // closes the session, as a failed send would in MINA's own path
        }
    }
}
