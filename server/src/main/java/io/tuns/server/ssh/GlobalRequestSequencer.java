package io.tuns.server.ssh;

import org.apache.sshd.common.channel.RequestHandler;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.helpers.AbstractConnectionService;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.global.NoMoreSessionsHandler;

/**
 * The one handler for global requests. It takes {@code tcpip-forward} away from MINA (which would bind a real
 * socket per forward) and answers every want-reply request through the connection's {@link ReplyQueue}, so
 * replies leave in the order the requests came. Runs on MINA's decode thread: never blocks.
 */
final class GlobalRequestSequencer implements RequestHandler<ConnectionService> {

    @Override
    public Result process(ConnectionService svc, String request, boolean wantReply, Buffer buffer) throws Exception {
        ClientConnection conn = ClientConnection.of(svc.getSession());
        if (conn == null) {
            return Result.ReplyFailure;
        }
        ForwardRequests forwards = conn.forwardRequests();
        switch (request) {
            case "tcpip-forward" -> {
                String addr = buffer.getString();
                int port = (int) buffer.getUInt();
                forwards.requestForward(addr, port, wantReply ? forwards.replies().take() : null);
                return Result.Replied;
            }
            case "cancel-tcpip-forward" -> {
                String addr = buffer.getString();
                int port = (int) buffer.getUInt();
                forwards.cancelForward(addr, port, wantReply ? forwards.replies().take() : null);
                return Result.Replied;
            }
            case "no-more-sessions@openssh.com" -> {
                // OpenSSH sends this after opening its session channel, if it opens one; without one (ssh -N) no
                // command-line options will come, so forwards waiting for them need not wait any longer
                if (svc instanceof AbstractConnectionService acs
                        && acs.getChannels().stream().noneMatch(c -> c instanceof ChannelSession)) {
                    forwards.noSessionComing();
                }
                return NoMoreSessionsHandler.INSTANCE.process(svc, request, wantReply, buffer);
            }
            default -> {
                // keepalive@openssh.com and anything unknown: a failure reply, queued behind pending forwards
                if (wantReply) {
                    forwards.replies().complete(forwards.replies().take(), false, -1);
                }
                return Result.Replied;
            }
        }
    }
}
