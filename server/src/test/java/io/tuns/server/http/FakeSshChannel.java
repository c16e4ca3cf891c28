package io.tuns.server.http;

import io.tuns.server.bridge.ChannelSink;
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
 * requests" cannot be produced on demand with real OpenSSH; the real path is covered by HttpLifecycleIT. Each event
 * is followed by the loop's pending tasks, as on a real loop: EmbeddedChannel runs pending tasks inside every write,
 * so tasks left piled up would run re-entrantly there, which a real event loop never does.
 */
final class FakeSshChannel {

    final ChannelSink sink;
    /** Everything tuns sent towards the service. */
    final ByteArrayOutputStream toService = new ByteArrayOutputStream();
    private final Stream stream = new Stream();
    private boolean closedByTuns;
    private boolean ended;
    private boolean opened;

    private final Runnable settle;

    FakeSshChannel(ChannelSink sink, Runnable settle) {
        this.sink = sink;
        this.settle = settle;
    }

    void open() {
        opened = true;
        sink.onOpen(stream, stream);
        settle.run();
    }

    void refuse(ChannelSink.OpenFailure failure) {
        sink.onOpenFailed(failure, "test says no");
        settle.run();
        sink.onClosed();
        settle.run();
        ended = true;
    }

    void serviceSends(String raw) {
        sink.onData(raw.getBytes(StandardCharsets.ISO_8859_1), () -> { });
        settle.run();
    }

    void serviceEof() {
        sink.onEof();
        settle.run();
    }

    /** The channel goes away without EOF: the ssh client was killed. */
    void dropped() {
        ended = true;
        sink.onClosed();
        settle.run();
    }

    boolean opened() {
        return opened;
    }

    String sentToService() {
        return toService.toString(StandardCharsets.ISO_8859_1);
    }

    /** Closed by tuns (gracefully or not), or gone from the client side. */
    boolean closed() {
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
