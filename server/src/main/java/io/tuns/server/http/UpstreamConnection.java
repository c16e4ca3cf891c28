package io.tuns.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;
import io.tuns.server.bridge.SshChannelWriter;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.tunnel.ChannelSink;
import io.tuns.server.tunnel.ReusableChannel;
import io.tuns.server.tunnel.Tunnel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;
import org.apache.sshd.common.Closeable;
import org.apache.sshd.common.io.IoOutputStream;

/**
 * One HTTP/1.1 connection to the user's local service, carried by one {@code forwarded-tcpip} channel.
 * Requests are encoded and responses decoded by Netty's client codec in an EmbeddedChannel (no socket of
 * its own), so the proxy stays HTTP-aware per request. Everything runs on the client connection's event
 * loop; MINA callbacks hop onto it.
 */
final class UpstreamConnection implements ChannelSink {

    /** What the client-side handler hears; always on its event loop, always for a specific connection. */
    interface Listener {
        void upstreamOpened(UpstreamConnection up);

        void upstreamFailed(UpstreamConnection up, OpenFailure failure, String reason);

        /** Decoded objects (HttpObject, or ByteBuf after a 101); {@code release} returns SSH window once written. */
        void upstreamObjects(UpstreamConnection up, List<Object> objects, Runnable release);

        void upstreamPaused(UpstreamConnection up, boolean paused);

        /** No more bytes will come (EOF or close); called once. */
        void upstreamEnded(UpstreamConnection up);
    }

    final Tunnel tunnel;
    private final EventLoop loop;
    /** Replaced once, by the raw relay after a 101. */
    private Listener listener;
    private final ServerConfig cfg;
    private final EmbeddedChannel codec;
    private final MemoryBudget memory;
    private final List<byte[]> beforeOpen = new ArrayList<>(); // bounded: the client is not read while opening
    private SshChannelWriter writer;
    private Closeable channel;
    private boolean opened;
    private boolean ended;
    private boolean closedByUs;
    private boolean raw;
    private boolean handedOver;
    /** The service ended its side cleanly; a channel closed without it (ssh client gone) cut the response off. */
    private boolean eof;
    private BackendTls tls;
    private String failure;
    /** Gives back the client address's share of the owner's channels; run once, when this connection is done. */
    private Runnable shareRelease;

    UpstreamConnection(Tunnel tunnel, EventLoop loop, ServerConfig cfg, Listener listener, BackendTls tls,
                       MemoryBudget memory) {
        this(tunnel, loop, cfg, listener, newCodec(tunnel, cfg, tls), memory);
        this.tls = tls;
        drainOutbound(); // a TLS ClientHello, sent as soon as the channel opens
    }

    private static EmbeddedChannel newCodec(Tunnel tunnel, ServerConfig cfg, BackendTls tls) {
        HttpClientCodec http = new HttpClientCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(cfg.httpMaxInitialLineLength())
                .setMaxHeaderSize(cfg.httpMaxHeaderSize())
                .setMaxChunkSize(64 * 1024), false, false);
        return tunnel.options().backendTls() ? new EmbeddedChannel(tls.newHandler(tunnel), http)
                : new EmbeddedChannel(http);
    }

    private UpstreamConnection(Tunnel tunnel, EventLoop loop, ServerConfig cfg, Listener listener,
                               EmbeddedChannel codec, MemoryBudget memory) {
        this.memory = memory;
        this.tunnel = tunnel;
        this.loop = loop;
        this.cfg = cfg;
        this.listener = listener;
        this.codec = codec;
    }

    /**
     * After this connection's channel failed to open: the same request, with whatever of its head and body was
     * already encoded, goes to {@code other} instead. The codec moves along, so the rest of a body still being
     * read continues the same HTTP message. Only valid from {@link Listener#upstreamFailed}.
     */
    UpstreamConnection handOverTo(Tunnel other) {
        UpstreamConnection next = new UpstreamConnection(other, loop, cfg, listener, codec, memory);
        next.tls = tls;
        next.shareRelease = shareRelease; // the same client's one channel, now with another member
        shareRelease = null;
        next.beforeOpen.addAll(beforeOpen);
        beforeOpen.clear();
        handedOver = true;
        return next;
    }

    private void drainOutbound() {
        ByteBuf b;
        while ((b = codec.readOutbound()) != null) {
            try {
                writeBytes(b);
            } finally {
                b.release();
            }
        }
    }

    /** {@code release} runs once when this connection closes or ends, whichever comes first. */
    void holdShare(Runnable release) {
        shareRelease = release;
    }

    private void releaseShare() {
        Runnable r = shareRelease;
        shareRelease = null;
        if (r != null) {
            r.run();
        }
    }

    void open(InetSocketAddress origin) {
        tunnel.owner().openChannel(tunnel, origin, this);
    }

    /**
     * Whether a request already encoded for this connection can go to {@code other}: yes unless TLS differs (a
     * ClientHello names the service it is for).
     */
    boolean canHandOverTo(Tunnel other) {
        return !tunnel.options().backendTls() && !other.options().backendTls()
                || other.options().backendTls() && tunnel.options().backendTls()
                && BackendTls.peerName(tunnel).equals(BackendTls.peerName(other));
    }

    /** Why this connection failed, for the 502 page (a TLS session with the service that failed); or null. */
    String failure() {
        return failure;
    }

    boolean isOpen() {
        return opened && !ended;
    }

    /** Reusable for the next request on the same client connection. */
    boolean reusable() {
        return opened && !ended && !raw && !closedByUs;
    }

    /** Sends one request object; takes ownership of it. */
    void send(HttpObject msg) {
        if (ended || raw) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            codec.writeOutbound(msg);
        } catch (Exception e) { // EmbeddedChannel rethrows checked exceptions too
            noteFailure(e);
            close();
            return;
        }
        drainOutbound();
    }

    /** After a 101: bytes go through untouched. Takes ownership. */
    void sendRaw(ByteBuf b) {
        try {
            if (!ended) {
                writeBytes(b);
            }
        } finally {
            b.release();
        }
    }

    /** After a 101: bytes pass untouched from here on, and {@code relay} hears this connection instead. */
    void switchToRaw(Listener relay) {
        raw = true;
        listener = relay;
    }

    /** The client is done sending (half-close after an upgrade): EOF to the ssh client after queued bytes. */
    void shutdownOutput() {
        if (writer != null) {
            writer.shutdownOutput();
        }
    }

    long queuedBytes() {
        return writer == null ? beforeOpen.stream().mapToLong(a -> a.length).sum() : writer.queuedBytes();
    }

    private void writeBytes(ByteBuf b) {
        if (writer != null) {
            writer.write(b);
        } else {
            byte[] copy = new byte[b.readableBytes()];
            b.getBytes(b.readerIndex(), copy);
            beforeOpen.add(copy);
        }
    }

    /**
     * The exchanges on this connection are complete: a channel that can carry another one (a hop connection,
     * {@link ReusableChannel}) goes back to its pool when every byte written has left; any other closes. Event loop
     * only.
     */
    void park() {
        if (reusable() && channel instanceof ReusableChannel r && writer.queuedBytes() == 0) {
            closedByUs = true;
            ended = true;
            releaseShare();
            writer.close();
            finishCodec();
            r.recycle();
            return;
        }
        close();
    }

    /** Closes the channel; data already queued still goes out first. Event loop only. */
    void close() {
        if (closedByUs) {
            return;
        }
        closedByUs = true;
        releaseShare();
        beforeOpen.clear();
        if (channel != null) {
            channel.close(false);
        }
        finishCodec();
    }

    private void noteFailure(Exception e) {
        Throwable t = e;
        while (t != null && !(t instanceof SSLException)) {
            t = t.getCause();
        }
        if (t != null && tls != null && failure == null) {
            failure = tls.explain(tunnel, t);
        }
    }

    private void finishCodec() {
        try {
            codec.finishAndReleaseAll();
        } catch (Exception e) {
            // already failed: nothing left to release
        }
    }

    // ---------------------------------------------------------------- ChannelSink (MINA threads)

    @Override
    public void onOpen(IoOutputStream toClient, Closeable ch) {
        loop.execute(() -> {
            channel = ch;
            if (closedByUs) {
                ch.close(false);
                return;
            }
            opened = true;
            writer = new SshChannelWriter(toClient, loop, cfg.sshWriteHighWater(), cfg.sshWriteLowWater(),
                    paused -> listener.upstreamPaused(this, paused), () -> {
                        ch.close(true);
                    }, memory);
            for (byte[] b : beforeOpen) {
                writer.write(b);
            }
            beforeOpen.clear();
            listener.upstreamOpened(this);
        });
    }

    @Override
    public void onOpenFailed(OpenFailure failure, String reason) {
        loop.execute(() -> {
            if (!closedByUs) {
                listener.upstreamFailed(this, failure, reason); // may hand the request over to another member
            }
            beforeOpen.clear();
            end();
        });
    }

    @Override
    public void onData(byte[] data, Runnable release) {
        loop.execute(() -> {
            if (ended || closedByUs) {
                release.run();
                return;
            }
            List<Object> out = new ArrayList<>();
            try {
                codec.writeInbound(Unpooled.wrappedBuffer(data));
            } catch (Exception e) { // the codec failed (bad HTTP, TLS refused): nothing more can come from here
                noteFailure(e);
                release.run();
                drainOutbound(); // a TLS alert tells the service why
                close();
                end();
                return;
            }
            drainOutbound(); // TLS handshake replies, and requests the handshake held back
            drainInbound(out);
            listener.upstreamObjects(this, out, release);
        });
    }

    @Override
    public void onEof() {
        loop.execute(() -> {
            eof = true;
            end();
        });
    }

    @Override
    public void onClosed() {
        loop.execute(() -> {
            if (writer != null) {
                writer.close();
            }
            end();
        });
    }

    private void end() {
        if (ended) {
            return;
        }
        ended = true;
        releaseShare();
        if (handedOver) { // the codec lives on in the connection that took the request
            listener.upstreamEnded(this);
            return;
        }
        // The service ended its side (EOF, e.g. its keep-alive timeout) or the channel closed: nothing more can come
        // back on this channel, so close it here. Left open, the ssh client keeps it (CLOSE-WAIT) and it counts
        // against the connection's channel limit for good.
        if (channel != null && !closedByUs) {
            channel.close(false);
        }
        if (!closedByUs && eof) {
            // a response delimited by the connection's end completes only now, and only on a clean end: a channel
            // closed without EOF (ssh client killed) must not make a cut-off body look complete
            List<Object> out = new ArrayList<>();
            try {
                codec.finish();
            } catch (Exception e) {
                // a failed codec (bad TLS) has nothing more to give
            }
            drainInbound(out);
            if (!out.isEmpty()) {
                listener.upstreamObjects(this, out, () -> { });
            }
        }
        finishCodec();
        listener.upstreamEnded(this);
    }

    private void drainInbound(List<Object> out) {
        Object o;
        while ((o = codec.readInbound()) != null) {
            out.add(o);
        }
    }
}
