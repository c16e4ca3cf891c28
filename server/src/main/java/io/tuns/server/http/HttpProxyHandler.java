package io.tuns.server.http;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.tuns.server.proxyproto.ClientAddress;
import io.tuns.server.tunnel.ChannelSink.OpenFailure;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;

/**
 * One client connection on the public HTTP port, one exchange ({@link ProxyExchange}) at a time: what becomes of
 * each request is {@link RequestIntake}'s call; tuns answers itself, or streams the request through an
 * {@link UpstreamConnection} (got, and replaced on failure, by {@link UpstreamRecovery}) and the answer back
 * ({@link ResponseRelay}), with back-pressure both ways ({@link ReadGate}) and nothing held whole. An exchange ends
 * in {@link #maybeFinish}, which releases what it held. After a 101 a {@link RawRelay} takes this handler's place.
 */
final class HttpProxyHandler extends ChannelInboundHandlerAdapter implements UpstreamConnection.Listener {

    private enum Mode { IDLE, TO_UPSTREAM, DISCARD, CONSOLE }

    private final HttpContext hc;
    private final RequestIntake intake;
    private ChannelHandlerContext ctx;
    private ReadGate gate;
    private ClientOutput out;
    private ResponseRelay responses;
    private ClientDeadlines deadlines;
    private UpstreamRecovery recovery;
    private ExchangeLog exchangeLog;
    private Mode mode = Mode.IDLE;
    private ProxyExchange current;
    private UpstreamConnection upstream;
    /** Pipelined objects waiting for the current exchange; bounded by one read, as reading pauses at the first. */
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private ConsoleRequest console;

    HttpProxyHandler(HttpContext hc) {
        this.hc = hc;
        this.intake = new RequestIntake(hc);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        gate = new ReadGate(ctx.channel());
        out = new ClientOutput(ctx, null);
        responses = new ResponseRelay(hc.events(), out);
        deadlines = new ClientDeadlines(new ClientDeadlines.Settings(hc.config().httpHeaderTimeout(),
                hc.config().httpBodyTimeout()), ctx.channel(), this::headTimedOut, this::bodyPending, this::bodyTimedOut);
        recovery = new UpstreamRecovery(ctx.channel(), hc.config(), hc.shares(), hc.backendTls(), this);
        exchangeLog = new ExchangeLog(hc.events(), hc.clientLog(), ctx.channel());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        deadlines.awaitHead();
        ctx.fireChannelActive();
    }

    // ================================================================ client side

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (out.closing()) {
            ReferenceCountUtil.release(msg);
        } else if (!held.isEmpty() || (current != null && msg instanceof HttpRequest)) {
            held.add(msg); // pipelined: the next request waits until this response is complete
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
        boolean tls = ctx.pipeline().get(SslHandler.class) != null; // the HTTPS listener terminates TLS here
        RequestIntake.Decision d = intake.decide(current, tls, ctx.alloc());
        if (d.answer() != null) {
            answer(d.answer());
        } else if (d.console()) {
            mode = Mode.CONSOLE;
            console = new ConsoleRequest(ctx.alloc());
        } else {
            mode = Mode.TO_UPSTREAM;
            String clientIp = ClientAddress.of(ctx.channel()).getAddress().getHostAddress(); // PROXY header's if any
            intake.forward(current, d.tunnel(), clientIp, tls,
                    ((InetSocketAddress) ctx.channel().localAddress()).getPort());
            if (upstream != null && (upstream.tunnel != d.tunnel() || !upstream.reusable())) {
                dropUpstream();
            }
            current.onReusedUpstream = upstream != null;
            if (upstream != null || attach(recovery.open(d.tunnel(), clientIp))) {
                upstream.send(req);
            }
        }
    }

    /** Takes a new, opening connection for the current exchange; false (answered 429) when its client got none. */
    private boolean attach(UpstreamConnection up) {
        if (up == null) {
            current.recorder.aborted("client share");
            answer(OwnAnswers.clientShareExceeded(hc.shares().limit()));
            return false;
        }
        upstream = up;
        gate.pause(ReadGate.Reason.OPENING);
        return true;
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
        switch (mode) {
            case TO_UPSTREAM -> toService(c, last);
            case CONSOLE -> {
                if (!console.add(c)) {
                    console = null;
                    mode = Mode.DISCARD;
                    answer(OwnAnswers.consoleTooLarge(ConsoleRequest.MAX_BYTES));
                    current.keepAlive = false;
                    return;
                }
                if (last) {
                    handConsole();
                }
            }
            default -> c.release();
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

    private void toService(HttpContent c, boolean last) {
        hc.events().bytes("in", c.content().readableBytes());
        current.recorder.requestContent(c.content());
        if (last) {
            current.recorder.requestEnd(((LastHttpContent) c).trailingHeaders());
        }
        if (upstream != null) {
            upstream.send(c);
        } else {
            c.release(); // the service already answered and left; the rest of the body has nowhere to go
        }
    }

    private void handConsole() {
        ProxyExchange ex = current;
        FullHttpRequest full = console.complete(ex.request);
        console = null;
        ex.answered(200);
        ex.requestDone = true;
        mode = Mode.IDLE;
        current = null;
        try {
            hc.console().handle(ctx, full, ex.host, ex.host.equals(hc.config().domain()));
        } catch (RuntimeException e) {
            ReferenceCountUtil.release(full);
            ctx.close();
        }
        drainHeld();
    }

    // ================================================================ upstream side

    @Override
    public void upstreamOpened(UpstreamConnection up) {
        if (up == upstream) {
            gate.resume(ReadGate.Reason.OPENING);
        }
    }

    @Override
    public void upstreamFailed(UpstreamConnection up, OpenFailure failure, String reason) {
        if (up != upstream) {
            return;
        }
        upstream = current != null && !current.responseStarted() ? recovery.failover(current, up) : null;
        if (upstream != null) {
            return; // another pool member took the request; reading stays paused until its channel opens
        }
        gate.resume(ReadGate.Reason.OPENING);
        gate.resume(ReadGate.Reason.SSH_FULL);
        if (current == null || current.responseStarted()) {
            out.closeNow();
            return;
        }
        current.recorder.aborted("open failed: " + reason);
        mode = Mode.DISCARD;
        answer(OwnAnswers.openFailed(failure, reason));
    }

    @Override
    public void upstreamPaused(UpstreamConnection up, boolean paused) {
        if (up == upstream) {
            gate.set(ReadGate.Reason.SSH_FULL, paused);
        }
    }

    @Override
    public void upstreamObjects(UpstreamConnection up, List<Object> objects, Runnable release) {
        if (up != upstream || out.closing()) {
            objects.forEach(ReferenceCountUtil::release);
            release.run();
            return;
        }
        ChannelFuture last = null;
        int i = 0;
        boolean upgraded = false;
        while (i < objects.size() && !upgraded) {
            Object o = objects.get(i++);
            if (up != upstream || current == null || !(o instanceof HttpObject h)) {
                // bytes the service sent without being asked, or after an earlier object in this batch ended it
                ReferenceCountUtil.release(o);
            } else if (h.decoderResult().isFailure()) {
                ReferenceCountUtil.release(o);
                badResponse(up);
            } else {
                ChannelFuture f = responses.relay(current, h);
                last = f != null ? f : last;
                if (current.responseDone() && current.upgradeRequested) {
                    gate.resume(ReadGate.Reason.UPGRADING); // refused: reading goes on as HTTP
                }
                upgraded = current.response() == ProxyExchange.Response.UPGRADED;
            }
        }
        out.flush();
        ChannelFuture head = last;
        Runnable afterWrites = head == null ? release : () -> head.addListener(f -> release.run());
        if (upgraded) { // the rest of the batch is already the new protocol's
            switchToRaw(head).upstreamObjects(up, objects.subList(i, objects.size()), afterWrites);
            return;
        }
        afterWrites.run();
        maybeFinish();
    }

    private void badResponse(UpstreamConnection up) {
        up.close();
        upstream = null;
        if (current.responseStarted()) {
            out.closeNow();
            return;
        }
        current.recorder.aborted("bad response");
        current.keepAlive = false; // before answering: the answer may end the exchange (issue 13 item 3)
        answer(OwnAnswers.badResponse());
    }

    /** The service accepted the upgrade: the exchange ends here and a {@link RawRelay} takes this handler's place. */
    private RawRelay switchToRaw(ChannelFuture headWrite) {
        exchangeLog.ended(current, 101);
        current = null;
        out.stopReading(); // nothing reaches this handler any more
        deadlines.cancel();
        releaseAll();
        RawRelay relay = new RawRelay(upstream, gate, hc.events(), headWrite);
        upstream.switchToRaw(relay);
        upstream = null;
        ctx.pipeline().replace(this, "raw", relay);
        // The 101 head is already encoded; from here bytes pass untouched. Removing the codec re-fires any
        // bytes it had buffered, now to the relay.
        ctx.pipeline().remove(HttpServerCodec.class);
        gate.resume(ReadGate.Reason.UPGRADING);
        gate.resume(ReadGate.Reason.PIPELINED);
        return relay;
    }

    @Override
    public void upstreamEnded(UpstreamConnection up) {
        if (up != upstream) {
            return;
        }
        upstream = null;
        gate.resume(ReadGate.Reason.OPENING);
        gate.resume(ReadGate.Reason.SSH_FULL);
        if (current != null && UpstreamRecovery.mayRetry(current)) {
            attach(recovery.retry(current, up.tunnel)); // sent again on a fresh channel, or answered 429
        } else if (current != null && !current.responseDone()) {
            current.recorder.aborted("tunnel closed");
            if (current.responseStarted()) {
                out.closeNow(); // the response was cut off: the client must see the connection end
                return;
            }
            mode = Mode.DISCARD;
            current.keepAlive = false; // before answering: the answer may end the exchange
            answer(OwnAnswers.tunnelClosed(up.failure()));
        }
    }

    // ================================================================ exchange end

    private void maybeFinish() {
        if (current == null || !current.complete()) {
            return;
        }
        ProxyExchange done = current;
        current = null;
        mode = Mode.IDLE;
        // whoever answered (the service, or tuns itself with 502/503/504), the Upgrade pause ends with the exchange
        gate.resume(ReadGate.Reason.UPGRADING);
        exchangeLog.ended(done, done.status());
        if (!done.keepAlive || !upstreamReusable()) {
            dropUpstream();
        }
        if (!done.keepAlive) {
            out.closeAfterWrites();
            return;
        }
        deadlines.awaitHead();
        drainHeld();
    }

    private boolean upstreamReusable() {
        return upstream == null || upstream.reusable();
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
        if (mode != Mode.CONSOLE) {
            mode = Mode.DISCARD;
        }
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

    // ================================================================ timers and the end of the connection

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
        dropUpstream(); // half a request went out: the connection cannot be reused
        if (ex.responseStarted()) {
            out.closeNow();
        } else {
            refuse(OwnAnswers.bodyTimeout(hc.config().httpBodyTimeout()));
        }
    }

    private void dropUpstream() {
        if (upstream != null) {
            upstream.close();
            upstream = null;
        }
    }

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
        }
        dropUpstream();
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
