package io.tuns.server.ssh;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * sish's ping-client for one connection: a want-reply request; any reply (OpenSSH sends FAILURE) proves the client
 * alive, and so does anything else it sends ({@link ClientLiveness} decides). An empty SSH_MSG_IGNORE queued right
 * behind the ping tells when the ping has left our send queue: its write completes only after the ping's.
 */
final class ClientPings {

    // the connection's logger: operators' log filters match its name (%logger{0} in every line)
    private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);

    private final ServerSession session;
    private final ClientConnection conn;
    private ScheduledFuture<?> task;

    ClientPings(ServerSession session, ClientConnection conn) {
        this.session = session;
        this.conn = conn;
    }

    /** Every {@code interval}: a ping when due, or a disconnect when the client stayed silent past {@code timeout}. */
    void start(ScheduledExecutorService timers, Duration interval, Duration timeout) {
        long every = interval.toMillis();
        ClientLiveness liveness = new ClientLiveness(every, timeout.toMillis());
        task = timers.scheduleAtFixedRate(() -> {
            if (conn.isClosed()) {
                return;
            }
            long now = System.currentTimeMillis();
            switch (liveness.tick(now, lastHeardMillis())) {
                case WAIT -> { }
                case DISCONNECT -> {
                    log.info("event=client_unresponsive client={} action=disconnect silent_ms={}",
                            conn.remoteAddress(), now - lastHeardMillis());
                    session.close(true);
                }
                case PING -> ping(liveness);
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    void stop() {
        if (task != null) {
            task.cancel(false);
        }
    }

    private void ping(ClientLiveness liveness) {
        try {
            liveness.pingSent();
            Buffer b = session.createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST, 32);
            b.putString("keepalive@sish");
            b.putBoolean(true);
            session.request(b, "keepalive@sish", (cmd, buf) -> liveness.replied());
            Buffer marker = session.createBuffer(SshConstants.SSH_MSG_IGNORE, 8);
            marker.putString("");
            session.writePacket(marker).addListener(f -> {
                if (f.isWritten()) {
                    liveness.pingWritten(System.currentTimeMillis());
                }
            });
        } catch (IOException | RuntimeException e) {
            session.close(true);
        }
    }

    /**
     * When the client last showed it is alive: sent anything (MINA restarts its idle clock on every message it
     * receives), or took our forwarded bytes off the socket (issue #18: a client busy reading uploads answered
     * our ping 11 s late, behind them, and was cut off with all its transfers).
     */
    private long lastHeardMillis() {
        Instant start = session.getIdleTimeoutStart();
        long heard = start == null ? conn.startedAt().toEpochMilli() : start.toEpochMilli();
        return Math.max(heard, conn.traffic().lastTakenMillis());
    }
}
