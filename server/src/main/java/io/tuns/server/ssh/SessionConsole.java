package io.tuns.server.ssh;

import java.io.InputStream;
import java.io.OutputStream;
import org.apache.sshd.common.io.IoInputStream;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.channel.ChannelSessionAware;
import org.apache.sshd.server.command.AsyncCommandStreamsAware;
import org.apache.sshd.server.command.Command;

/**
 * What runs on the user's session channel ({@code shell} or {@code exec}): hands the command line to the
 * connection, shows messages, and closes the connection on Ctrl-C, as sish does. It never exits by itself.
 */
final class SessionConsole implements Command, AsyncCommandStreamsAware, ChannelSessionAware {

    private static final byte CTRL_C = 0x03;

    private final String commandLine;
    private final ConnectionLookup connections;
    private IoOutputStream out;

    /** Finds the connection state of a channel's session (kept as a session attribute). */
    interface ConnectionLookup {
        ClientConnection of(ChannelSession channel);
    }

    SessionConsole(String commandLine, ConnectionLookup connections) {
        this.commandLine = commandLine;
        this.connections = connections;
    }

    @Override
    public void setChannelSession(ChannelSession session) {
        // Must be set before MINA wires its own input handling; returning len gives the window back at once.
        session.setDataReceiver(new org.apache.sshd.server.channel.ChannelDataReceiver() {
            @Override
            public int data(ChannelSession channel, byte[] buf, int start, int len) {
                for (int i = start; i < start + len; i++) {
                    if (buf[i] == CTRL_C) {
                        channel.getSession().close(false);
                        break;
                    }
                }
                return len;
            }

            @Override
            public void close() {
                // nothing held
            }
        });
    }

    @Override
    public void start(ChannelSession channel, Environment env) {
        ClientConnection conn = connections.of(channel);
        if (conn != null) {
            conn.sessionStarted(commandLine, out);
        }
    }

    @Override
    public void destroy(ChannelSession channel) {
        // the connection's lifecycle is driven by the SSH session, not by this channel
    }

    @Override
    public void setIoOutputStream(IoOutputStream out) {
        this.out = out;
    }

    @Override
    public void setIoInputStream(IoInputStream in) {
        // input arrives through the data receiver
    }

    @Override
    public void setIoErrorStream(IoOutputStream err) {
        // everything goes to stdout, as in sish
    }

    @Override
    public void setExitCallback(ExitCallback callback) {
        // never called: the session stays open until the user leaves
    }

    @Override
    public void setInputStream(InputStream in) {
        // async streams are used
    }

    @Override
    public void setOutputStream(OutputStream out) {
        // async streams are used
    }

    @Override
    public void setErrorStream(OutputStream err) {
        // async streams are used
    }
}
