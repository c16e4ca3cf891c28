package io.tuns.server.bridge;

import io.tuns.server.tunnel.ChannelSink;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.sshd.common.channel.IoWriteFutureImpl;
import org.apache.sshd.common.future.CloseFuture;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.closeable.AbstractCloseable;

/**
 * One forwarded channel as the proxy sees it, for unit tests on an EmbeddedChannel: the test plays the ssh client
 * (open, refuse, send response bytes, EOF, close). A stand-in, because orders such as "EOF exactly between two
 * requests" cannot be produced on demand with real OpenSSH; the real paths are covered by the HTTP and TCP ITs. Each event
 * is followed by the loop's pending tasks, as on a real loop: EmbeddedChannel runs pending tasks inside every write,
 * so tasks left piled up would run re-entrantly there, which a real event loop never does.
 */
public final class FakeSshChannel {

    public final ChannelSink sink;
    /** Everything tuns sent towards the service. */
    public final ByteArrayOutputStream toService = new ByteArrayOutputStream();
    private final Stream stream = new Stream();
    private final Channel channel = new Channel();
    private boolean closedByTuns;
    private boolean eofFromTuns;
    private boolean ended;
    private boolean opened;

    private final Runnable settle;

    public FakeSshChannel(ChannelSink sink, Runnable settle) {
        this.sink = sink;
        this.settle = settle;
    }

    public void open() {
        opened = true;
        sink.onOpen(stream, channel);
        settle.run();
    }

    public void refuse(ChannelSink.OpenFailure failure) {
        sink.onOpenFailed(failure, "test says no");
        settle.run();
        sink.onClosed();
        settle.run();
        ended = true;
    }

    public void serviceSends(String raw) {
        sink.onData(raw.getBytes(StandardCharsets.ISO_8859_1), () -> { });
        settle.run();
    }

    public void serviceEof() {
        sink.onEof();
        settle.run();
    }

    /** The channel goes away without EOF: the ssh client was killed. */
    public void dropped() {
        ended = true;
        sink.onClosed();
        settle.run();
    }

    public boolean opened() {
        return opened;
    }

    public String sentToService() {
        return toService.toString(StandardCharsets.ISO_8859_1);
    }

    /** Closed by tuns (gracefully or not), or gone from the client side. */
    /** tuns ended its side of the stream (EOF towards the ssh client) or closed the channel. */
    public boolean eofFromTuns() {
        return eofFromTuns;
    }

    public boolean closed() {
        return closedByTuns || ended;
    }

    private final class Stream extends AbstractCloseable implements IoOutputStream {
        @Override
        public IoWriteFuture writeBuffer(Buffer buffer) {
            IoWriteFutureImpl f = new IoWriteFutureImpl(this, buffer);
            toService.write(buffer.array(), buffer.rpos(), buffer.available());
            f.setValue(Boolean.TRUE);
            return f;
        }

        @Override
        protected CloseFuture doCloseGracefully() {
            eofFromTuns = true; // graceful close of the stream towards the ssh client = EOF after the data
            return super.doCloseGracefully();
        }
    }

    /** The channel itself: any close by tuns. */
    private final class Channel extends AbstractCloseable {
        @Override
        protected CloseFuture doCloseGracefully() {
            closedByTuns = true;
            return super.doCloseGracefully();
        }

        @Override
        protected void doCloseImmediately() {
            closedByTuns = true;
            super.doCloseImmediately();
        }
    }
}
