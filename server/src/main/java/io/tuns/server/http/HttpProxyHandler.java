package io.tuns.server.http;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.tuns.server.cluster.ClusterHop;
import io.tuns.server.cluster.HopChoice;
import io.tuns.server.cluster.HopHeader;
import io.tuns.server.proxyproto.ClientAddress;
import io.tuns.server.tls.TlsHooks;
import io.tuns.server.tunnel.RouteLocation;
import io.tuns.server.tunnel.Tunnel;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.ArrayDeque;

/**
 * The client side of one connection on the public HTTP port, one exchange ({@link ProxyExchange}) at a time: what
 * becomes of each request is {@link RequestIntake}'s call; tuns answers it, the console takes it, or it goes to the
 * {@link TunnelSide}, which relays the answer back. Reading pauses for any part that needs it ({@link ReadGate}), so
 * nothing is held whole. An exchange ends in {@link #maybeFinish}, which releases what it held; a stalled client
 * is cut off by {@link ClientDeadlines}. After a 101 a {@link RawRelay} takes this handler's place.
 */
final class HttpProxyHandler extends ChannelInboundHandlerAdapter implements TunnelSide.Exchanges {

    private enum Mode { IDLE, LOCATING, TO_UPSTREAM, DISCARD, CONSOLE }

    private final HttpContext hc;
    private final RequestIntake intake;
    /** On a cluster node's public listeners: where a request no local tunnel serves goes; else null. */
    private final ClusterHop remote;
    private ChannelHandlerContext ctx;
    private ReadGate gate;
    private ClientOutput out;
    private TunnelSide tunnel;
    private ClientDeadlines deadlines;
    private ExchangeLog exchangeLog;
    private Mode mode = Mode.IDLE;
    private ProxyExchange current;
    /** Pipelined objects waiting for the current exchange; bounded by one read, as reading pauses at the first. */
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private ConsoleRequest console;
    /** The hop this connection's last request took: the next one to the same place goes on the same connection. */
    private final HopReuse hops = new HopReuse(ClusterHop.KEEP_IDLE);

    HttpProxyHandler(HttpContext hc) {
        this(hc, false);
    }

    /**
     * @param mayHop a request whose route another cluster node holds goes there by a hop (never on a connection
     *               that itself came by a hop: one hop at most)
     */
    HttpProxyHandler(HttpContext hc, boolean mayHop) {
        this.hc = hc;
        this.intake = new RequestIntake(hc);
        this.remote = mayHop ? hc.cluster() : null;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        gate = new ReadGate(ctx.channel(), () -> deadlines.readingResumed());
        out = new ClientOutput(ctx, null);
        tunnel = new TunnelSide(this, gate, out, hc.events(), hc.shares(),
                side -> new UpstreamRecovery(ctx.channel(), hc.config(), hc.shares(), hc.backendTls(), hc.memory(), side));
        deadlines = new ClientDeadlines(new ClientDeadlines.Settings(hc.config().httpHeaderTimeout(),
                hc.config().httpBodyTimeout()), ctx.channel(), this::headTimedOut, this::bodyPending, this::bodyTimedOut);
        exchangeLog = new ExchangeLog(hc.events(), hc.requestLog(), ctx.channel());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        deadlines.awaitHead();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (out.closing()) {
            ReferenceCountUtil.release(msg);
        } else if (!held.isEmpty() || mode == Mode.LOCATING || (current != null && msg instanceof HttpRequest)) {
            // pipelined: the next request waits until this response is complete; a body waits for its route
            held.add(msg);
            gate.pause(ReadGate.Reason.PIPELINED);
        } else {
            dispatch(msg);
        }
    }

    private void dispatch(Object msg) {
        if (msg instanceof HttpRequest req) {
            startExchange(req);
        }
        if (msg instanceof HttpContent c) { // a request with content is never from HttpServerCodec, but be safe
            onRequestContent(c);
        } else if (!(msg instanceof HttpRequest)) {
            ReferenceCountUtil.release(msg);
        }
    }

    private void startExchange(HttpRequest req) {
        deadlines.headArrived();
        FullHttpResponse refusal = intake.refusal(req);
        if (refusal != null) {
            refuse(refusal);
            return;
        }
        current = new ProxyExchange(req, HostHeader.of(req));
        // the HTTPS listener terminates TLS here; an HTTP/2 stream only ever comes over TLS
        boolean h2 = ctx.channel() instanceof Http2StreamChannel;
        boolean tls = h2 || ClientTls.on(ctx.pipeline());
        RequestIntake.Decision d = intake.decide(current, tls, ctx.alloc());
        if (d.challenge() != null) {
            askChallenge(current, d.challenge());
        } else if (d.elsewhere() != null && remote != null) {
            locate(current, d.elsewhere());
        } else if (d.elsewhere() != null) { // a connection that came by a hop: never a second one
            answer(OwnAnswers.noTunnel(current.host));
        } else if (d.answer() != null) {
            answer(d.answer());
        } else if (d.console()) {
            mode = Mode.CONSOLE;
            console = new ConsoleRequest(ctx.alloc());
        } else {
            mode = Mode.TO_UPSTREAM;
            String clientIp = ClientAddress.of(ctx.channel()).getAddress().getHostAddress(); // PROXY header's if any
            intake.forward(current, d.tunnel(), clientIp, tls, h2);
            tunnel.send(current, d.tunnel());
        }
    }

    /**
     * No local tunnel: the store says whether another node holds the route (reading waits meanwhile), or the route
     * cache at once while the route feed keeps it current.
     */
    private void locate(ProxyExchange ex, java.util.List<String> keys) {
        Optional<RouteLocation> cached = remote.fresh(keys);
        if (HopChoice.choose(cached, remote.node(), null) == HopChoice.Kind.FORWARD) {
            forward(ex, keys, cached.get());
            return;
        }
        mode = Mode.LOCATING;
        gate.pause(ReadGate.Reason.LOCATING);
        remote.locate(keys).whenComplete((found, error) -> ctx.executor().execute(() ->
                located(ex, keys, error == null ? found : Optional.<RouteLocation>empty())));
    }

    private void located(ProxyExchange ex, java.util.List<String> keys, Optional<RouteLocation> where) {
        if (current != ex || mode != Mode.LOCATING) {
            return; // the client left, or its body timed out, meanwhile
        }
        gate.resume(ReadGate.Reason.LOCATING);
        if (HopChoice.choose(where, remote.node(), null) == HopChoice.Kind.FORWARD) {
            forward(ex, keys, where.get());
        } else {
            answer(OwnAnswers.noTunnel(ex.host));
        }
        resumeAfterLocating(ex);
    }

    /** To the node that holds the route, in one hop. */
    private void forward(ProxyExchange ex, java.util.List<String> keys, RouteLocation where) {
        mode = Mode.TO_UPSTREAM;
        ex.hopped = true;
        boolean tls = ctx.channel() instanceof Http2StreamChannel || ClientTls.on(ctx.pipeline());
        Tunnel there = hops.tunnelTo(where, keys, System.nanoTime(), () -> remote.remote(where, keys, ex.host,
                ctx.channel().eventLoop(), (InetSocketAddress) ctx.channel().localAddress(),
                tls ? HopHeader.Entry.HTTP_TLS : HopHeader.Entry.HTTP)); // the owner treats it as the client sent it
        if (hops.lastStep() == HopReuse.Next.NEW_AFTER_IDLE) {
            tunnel.dropIf(hops.stale()); // the owner may be closing it for its own head timeout right now
        }
        ex.tunnel = there;
        intake.forward(ex, there, ClientAddress.of(ctx.channel()).getAddress().getHostAddress(), false, false);
        tunnel.send(ex, there);
    }

    /** An ACME challenge another cluster node may hold: its answer from the store (reading waits meanwhile). */
    private void askChallenge(ProxyExchange ex, java.util.concurrent.CompletionStage<Optional<String>> asked) {
        mode = Mode.LOCATING;
        gate.pause(ReadGate.Reason.LOCATING);
        asked.whenComplete((found, error) -> ctx.executor().execute(() -> {
            if (current != ex || mode != Mode.LOCATING) {
                return; // the client left meanwhile
            }
            gate.resume(ReadGate.Reason.LOCATING);
            answer(error == null && found.isPresent() ? TlsHooks.answerOf(found.get())
                    : OwnAnswers.refusal(HttpResponseStatus.NOT_FOUND, "No ACME challenge waits for this token."));
            resumeAfterLocating(ex);
        }));
    }

    private void resumeAfterLocating(ProxyExchange ex) {
        // the body read while locating follows its head; a next request waits for this exchange's end
        while (current == ex && !held.isEmpty() && !(held.peek() instanceof HttpRequest)) {
            dispatch(held.poll());
        }
        if (current == null) {
            drainHeld();
        } else if (held.isEmpty()) {
            gate.resume(ReadGate.Reason.PIPELINED);
        }
    }

    private void onRequestContent(HttpContent c) {
        if (current == null) { // content of a request we already answered and closed on
            c.release();
            return;
        }
        if (c.decoderResult().isFailure()) {
            c.release();
            if (current.responseStarted()) {
                out.closeNow();
            } else {
                refuse(intake.badRequest(c.decoderResult().cause()));
            }
            return;
        }
        boolean last = c instanceof LastHttpContent;
        deadlines.bodyRead();
        if (mode == Mode.TO_UPSTREAM) {
            hc.events().bytes("in", c.content().readableBytes());
            current.recorder.requestContent(c.content());
            if (last) {
                current.recorder.requestEnd(((LastHttpContent) c).trailingHeaders());
            }
            tunnel.send(c);
        } else if (mode != Mode.CONSOLE) {
            c.release();
        } else if (!console.add(c)) {
            console = null;
            answer(OwnAnswers.consoleTooLarge(ConsoleRequest.MAX_BYTES));
            current.keepAlive = false;
            return;
        } else if (last) {
            handConsole();
            return; // that exchange ended there; a held request may have started the next one
        }
        if (last && current != null) {
            current.requestDone = true;
            deadlines.bodyDone();
            if (current.upgradeRequested && mode == Mode.TO_UPSTREAM) {
                // bytes after an Upgrade request are another protocol: wait for the answer before reading on
                gate.pause(ReadGate.Reason.UPGRADING);
            }
            maybeFinish();
        }
    }

    private void handConsole() {
        ProxyExchange ex = current;
        ex.answered(200);
        ex.requestDone = true;
        mode = Mode.IDLE;
        current = null;
        console.handTo(hc.console(), ctx, ex.request, ex.host, ex.host.equals(hc.config().domain()));
        console = null;
        drainHeld();
    }

    // ================================================================ what the tunnel side asks

    /** Only an exchange that went to the tunnel is the tunnel side's business. */
    @Override
    public ProxyExchange current() {
        return mode == Mode.TO_UPSTREAM ? current : null;
    }

    @Override
    public void fail(FullHttpResponse r) {
        answer(r);
    }

    @Override
    public RawRelay upgrade(UpstreamConnection up, ChannelFuture head) {
        exchangeLog.ended(current, 101);
        current = null;
        if (ctx.pipeline().get(HttpServerCodec.class) == null) {
            // an HTTP/2 stream (H2ExchangeAdapter) cannot become a byte pipe: HTTP/2 has no protocol switch
            deadlines.cancel();
            releaseAll();
            out.closeNow();
            return null;
        }
        out.stopReading(); // nothing reaches this handler any more
        deadlines.cancel();
        releaseAll();
        RawRelay relay = new RawRelay(up, gate, hc.events(), head);
        up.switchToRaw(relay);
        ctx.pipeline().replace(this, "raw", relay);
        // The 101 head is already encoded; from here bytes pass untouched. Removing the codec re-fires any
        // bytes it had buffered, now to the relay.
        ctx.pipeline().remove(HttpServerCodec.class);
        gate.resume(ReadGate.Reason.UPGRADING);
        gate.resume(ReadGate.Reason.PIPELINED);
        return relay;
    }

    // ================================================================ the end of an exchange

    @Override
    public void maybeFinish() {
        if (current == null || !current.complete()) {
            return;
        }
        ProxyExchange done = current;
        current = null;
        mode = Mode.IDLE;
        // whoever answered (the service, or tuns itself with 502/503/504), the Upgrade pause ends with the exchange
        gate.resume(ReadGate.Reason.UPGRADING);
        exchangeLog.ended(done, done.status());
        tunnel.keepIf(done.keepAlive);
        if (!done.keepAlive) {
            out.closeAfterWrites();
            return;
        }
        deadlines.awaitHead();
        drainHeld();
    }

    private void drainHeld() {
        while (!held.isEmpty() && current == null && !out.closing()) {
            dispatch(held.poll());
            while (!held.isEmpty() && current != null && !(held.peek() instanceof HttpRequest)) {
                dispatch(held.poll());
            }
        }
        if (held.isEmpty()) {
            gate.resume(ReadGate.Reason.PIPELINED);
        }
    }

    /** Answers the current request ourselves; the rest of its body is read and dropped. */
    private void answer(FullHttpResponse r) {
        mode = Mode.DISCARD;
        current.answered(r.status().code());
        if (current.request.method().equals(HttpMethod.HEAD)) {
            r.content().clear();
        }
        if (!current.keepAlive) {
            HttpUtil.setKeepAlive(r, false);
        }
        out.write(r);
        out.flush();
        maybeFinish(); // completes when the request's LastHttpContent has been read (and dropped)
    }

    /** Answers a request whose framing cannot be trusted ({@link OwnAnswers#refusal}), then closes. */
    private void refuse(FullHttpResponse r) {
        exchangeLog.refused(r.status().code());
        out.closeAfter(r); // the decoder discards everything after a bad message
        releaseAll();
    }

    private void headTimedOut() {
        if (current == null) {
            out.closeNow(); // nothing came, or a request head is trickling in too slowly
        }
    }

    private boolean bodyPending() {
        return current != null && !current.requestDone && !out.closing();
    }

    private void bodyTimedOut() {
        ProxyExchange ex = current;
        current = null;
        ex.recorder.aborted("request body timeout");
        tunnel.drop(); // half a request went out: the connection cannot be reused
        if (ex.responseStarted()) {
            out.closeNow();
        } else {
            refuse(OwnAnswers.bodyTimeout(hc.config().httpBodyTimeout()));
        }
    }

    // ================================================================ the end of the connection

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (bodyPending()) {
            deadlines.awaitBody();
        }
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        out.stopReading();
        deadlines.cancel();
        if (current != null) {
            current.recorder.aborted("client closed");
            current = null;
            tunnel.drop(); // cut off mid-exchange: the channel cannot carry another
        } else {
            tunnel.park(); // between exchanges: a hop connection may serve another request
        }
        releaseAll();
        ctx.fireChannelInactive();
    }

    private void releaseAll() {
        while (!held.isEmpty()) {
            ReferenceCountUtil.release(held.poll());
        }
        if (console != null) {
            console.release();
            console = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // resets and broken pipes from clients are normal on a public port; never log a stack per client
        out.closeNow();
    }
}
