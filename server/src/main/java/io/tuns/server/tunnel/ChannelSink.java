package io.tuns.server.tunnel;

import java.net.InetSocketAddress;
import org.apache.sshd.common.Closeable;
import org.apache.sshd.common.io.IoOutputStream;

/**
 * The far end of a forwarded SSH channel: where the bytes the ssh client sends us go. Calls arrive on MINA
 * threads; implementations hop to their own thread. {@code release} must be run once the bytes have been
 * written onward: it returns SSH window, which is the back-pressure towards the ssh client.
 */
public interface ChannelSink {

    /**
     * The channel is open; {@code toClient} carries bytes towards the ssh client (wrap it in an
     * {@code bridge.SshChannelWriter}); {@code channel} closes it ({@code close(false)} lets pending data out first).
     */
    void onOpen(IoOutputStream toClient, Closeable channel);

    /** The ssh client refused or did not answer the open; {@code reason} is its text or ours. */
    void onOpenFailed(OpenFailure failure, String reason);

    void onData(byte[] data, Runnable release);

    void onEof();

    /** Always called once at the end, also after a failed open; must be safe in any state. */
    void onClosed();

    /**
     * The local end of the public connection this channel serves (a TCP or SNI listener's accepted socket; sish's
     * {@code cl.LocalAddr()} in its "Accepted connection" line), or null when there is none to name.
     */
    default InetSocketAddress listenerAddress() {
        return null;
    }

    /**
     * MEMORY: the server's memory budget (--memory-budget) is near full; the reason says so with its figures.
     * HOP: the cluster node that holds the route did not take the request (stale route, node away).
     */
    enum OpenFailure { REFUSED, TIMEOUT, CLOSED, LIMIT, MEMORY, HOP }
}
