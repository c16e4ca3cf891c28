package io.tuns.server.http;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.proxyproto.ClientAddress;
import io.tuns.server.tunnel.ChannelSink.OpenFailure;
import io.tuns.server.tunnel.Tunnel;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;

/**
 * One client connection on the public HTTP port, one exchange ({@link ProxyExchange}) at a time: routes each request
 * ({@link RequestRouter}), answers it itself ({@link OwnAnswers}, the console, metrics) or streams it through an
 * {@link UpstreamConnection} (got and recovered by {@link UpstreamRecovery}) and streams the answer back, with
 * back-pressure both ways and nothing held whole. An exchange ends in {@link #maybeFinish}, which releases what it
 * held. After a 101 a {@link RawRelay} takes this handler's place.
 */
final class HttpProxyHandler extends ChannelInboundHandlerAdapter implements UpstreamConnection.Listener {

    private enum Mode { IDLE, TO_UPSTREAM, DISCARD, CONSOLE }

    private final HttpContext hc;
    private final ServerConfig cfg;
    private final RequestRouter router;
    private ChannelHandlerContext ctx;
    private ReadGate gate;
    private ClientDeadlines deadlines;
    private UpstreamRecovery recovery;
    private ExchangeLog exchangeLog;
    private Mode mode = Mode.IDLE;
    private ProxyExchange current;
    private UpstreamConnection upstream;
    /** Pipelined objects waiting for the current exchange; bounded by one read, as reading pauses at the first. */
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private ConsoleRequest console;
    private ChannelFuture lastWrite;
    private boolean closing;
    /** The service's 101 went out whole: after this batch the connection is a RawRelay's. */
    private boolean upgraded;

    HttpProxyHandler(HttpContext hc) {
        this.hc = hc;
        this.cfg = hc.config();
        this.router = new RequestRouter(new RequestRouter.Settings(cfg.domain(), hc.metrics() != null,
                hc.console() != null && (cfg.serviceConsole() || cfg.adminConsole()), cfg.redirectRoot(),
                cfg.redirectRootLocation(), cfg.https()), hc.registry()::httpRoute);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.gate = new ReadGate(ctx.channel());
        this.deadlines = new ClientDeadlines(new ClientDeadlines.Settings(cfg.httpHeaderTimeout(),
                cfg.httpBodyTimeout()), ctx.channel(), this::headTimedOut, this::bodyPending, this::bodyTimedOut);
        this.recovery = new UpstreamRecovery(ctx.channel(), cfg, hc.shares(), hc.backendTls(), this);
        this.exchangeLog = new ExchangeLog(hc.events(), hc.clientLog(), ctx.channel());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        deadlines.awaitHead();
        ctx.fireChannelActive();
    }

    // ================================================================ client side

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
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
        DecoderResult dr = req.decoderResult();
        if (dr.isFailure()) {
            refuse(OwnAnswers.badRequest(dr.cause(), cfg.httpMaxInitialLineLength(), cfg.httpMaxHeaderSize()));
            return;
        }
        RequestValidator.Refusal refusal = RequestValidator.check(req);
        if (refusal != null) {
            refuse(OwnAnswers.refusal(refusal.status(), refusal.reason()));
            return;
        }
        RequestTarget.toOriginForm(req);
        String host = HostHeader.of(req);
        current = new ProxyExchange(req, host);
        if (host == null) {
            answer(OwnAnswers.noHost());
            return;
        }
        String path = req.uri();
        // io.tuns.server.tls: ACME HTTP-01 answers and --force-all-https, on the plain listener only
        FullHttpResponse early = hc.tls() == null || isTls() ? null
                : hc.tls().intercept(host, path, hc.registry().httpTunnel(host).isPresent());
        if (early != null) {
            answer(early);
            return;
        }
        RequestRouter.Route route = router.route(host, path, isTls(), req.headers().get(HttpHeaderNames.AUTHORIZATION));
        current.tunnel = route.tunnel();
        current.group = route.group();
        switch (route.kind()) {
            case METRICS -> answer(hc.metrics().respond(req, ctx.alloc()));
            case CONSOLE -> {
                mode = Mode.CONSOLE;
                console = new ConsoleRequest(ctx.alloc());
            }
            case REDIRECT -> answer(ErrorPages.redirect(route.location()));
            case ROOT_PAGE -> answer(OwnAnswers.rootPage(cfg.domain()));
            case NOT_FOUND -> answer(OwnAnswers.noTunnel(host));
            case UNAUTHORIZED -> answer(OwnAnswers.unauthorized());
            // the HTTPS URL users type: bound port or --https-port-override, as printed in the ssh session
            case FORCE_HTTPS -> answer(ErrorPages.redirect(hc.urls().get().https(host).orElse("https://" + host)
                    + path));
            case TUNNEL -> toUpstream(req, route.tunnel());
        }
    }

    private void toUpstream(HttpRequest req, Tunnel tunnel) {
        mode = Mode.TO_UPSTREAM;
        String clientIp = ClientAddress.of(ctx.channel()).getAddress().getHostAddress(); // PROXY header source if any
        current.clientIp = clientIp;
        if (hc.inspector() != null) {
            current.recorder = hc.inspector().begin(current.host, clientIp, req);
        }
        current.upgradeRequested = req.headers().contains(HttpHeaderNames.UPGRADE);
        ForwardedRequest.rewrite(req, clientIp, isTls() || cfg.proxySslTermination(),
                ((InetSocketAddress) ctx.channel().localAddress()).getPort(), current.upgradeRequested,
                tunnel.options());
        if (upstream != null && (upstream.tunnel != tunnel || !upstream.reusable())) {
            dropUpstream();
        }
        current.onReusedUpstream = upstream != null;
        if (upstream == null && !attach(recovery.open(tunnel, clientIp))) {
            return;
        }
        upstream.send(req);
    }

    /** True on the HTTPS listener: TLS is terminated in this pipeline. */
    private boolean isTls() {
        return ctx.pipeline().get(SslHandler.class) != null;
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
                closeNow();
            } else {
                refuse(OwnAnswers.badRequest(c.decoderResult().cause(), cfg.httpMaxInitialLineLength(),
                        cfg.httpMaxHeaderSize()));
            }
            return;
        }
        boolean last = c instanceof LastHttpContent;
        deadlines.bodyRead();
        switch (mode) {
            case TO_UPSTREAM -> {
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

    private void handConsole() {
        ProxyExchange ex = current;
        FullHttpRequest full = console.complete(ex.request);
        console = null;
        ex.answered(200);
        ex.requestDone = true;
        mode = Mode.IDLE;
        current = null;
        try {
            hc.console().handle(ctx, full, ex.host, ex.host.equals(cfg.domain()));
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
            closeNow();
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
        if (up != upstream || closing) {
            objects.forEach(ReferenceCountUtil::release);
            release.run();
            return;
        }
        ChannelFuture last = null;
        int i = 0;
        while (i < objects.size() && !upgraded) {
            Object o = objects.get(i++);
            if (up != upstream || current == null || !(o instanceof HttpObject)) {
                // bytes the service sent without being asked, or after an earlier object in this batch ended it
                ReferenceCountUtil.release(o);
                continue;
            }
            last = relayResponseObject(up, (HttpObject) o);
        }
        ctx.flush();
        if (upgraded) { // the rest of the batch is already the new protocol's
            ChannelFuture head = last;
            switchToRaw(head).upstreamObjects(up, objects.subList(i, objects.size()),
                    head == null ? release : () -> head.addListener(f -> release.run()));
            return;
        }
        if (last != null) {
            last.addListener(f -> release.run());
        } else {
            release.run();
        }
        maybeFinish();
    }

    private ChannelFuture relayResponseObject(UpstreamConnection up, HttpObject o) {
        if (o.decoderResult().isFailure()) {
            ReferenceCountUtil.release(o);
            up.close();
            upstream = null;
            if (!current.responseStarted()) {
                current.recorder.aborted("bad response");
                current.keepAlive = false; // before answering: the answer may end the exchange (issue 13 item 3)
                answer(OwnAnswers.badResponse());
            } else {
                closeNow();
            }
            return null;
        }
        if (o instanceof HttpResponse r) {
            int code = r.status().code();
            current.headRelayed(code);
            if (current.response() == ProxyExchange.Response.STREAMING) {
                current.recorder.responseHead(r);
                current.keepAlive &= HttpUtil.isKeepAlive(r);
                if (!current.keepAlive && code != 101) {
                    HttpUtil.setKeepAlive(r, false);
                }
                ResponseFraming.chunkIfUndelimited(current.request, r);
            }
            return write(o);
        }
        if (!(o instanceof HttpContent c)) {
            return null;
        }
        if (current.response() != ProxyExchange.Response.INFORMATIONAL) {
            hc.events().bytes("out", c.content().readableBytes());
            current.recorder.responseContent(c.content());
        }
        HttpHeaders trailers = c instanceof LastHttpContent l ? l.trailingHeaders() : null;
        ChannelFuture f = write(c);
        if (trailers != null) {
            onResponseEnd(trailers);
        }
        return f;
    }

    private void onResponseEnd(HttpHeaders trailers) {
        if (current.response() == ProxyExchange.Response.INFORMATIONAL) {
            current.bodyEnded(); // back to waiting for the real head
        } else if (current.status() == 101) {
            current.recorder.upgraded();
            upgraded = true;
        } else {
            current.recorder.responseEnd(trailers);
            current.bodyEnded();
            if (current.upgradeRequested) {
                gate.resume(ReadGate.Reason.UPGRADING);
            }
        }
    }

    /** The service accepted the upgrade: the exchange ends here and a {@link RawRelay} takes this handler's place. */
    private RawRelay switchToRaw(ChannelFuture headWrite) {
        exchangeLog.ended(current, 101);
        current = null;
        closing = true; // nothing reaches this handler any more
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
            return;
        }
        if (current != null && !current.responseDone()) {
            current.recorder.aborted("tunnel closed");
            if (!current.responseStarted()) {
                mode = Mode.DISCARD;
                current.keepAlive = false; // before answering: the answer may end the exchange
                answer(OwnAnswers.tunnelClosed(up.failure()));
            } else {
                closeNow(); // the response was cut off: the client must see the connection end
            }
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
        if (!done.keepAlive) {
            dropUpstream();
            flushAndClose();
            return;
        }
        if (upstream != null && !upstream.reusable()) {
            dropUpstream();
        }
        deadlines.awaitHead();
        drainHeld();
    }

    private void drainHeld() {
        while (!held.isEmpty() && current == null && !closing) {
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
        ProxyExchange ex = current;
        ex.answered(r.status().code());
        if (ex.request.method().equals(HttpMethod.HEAD)) {
            r.content().clear();
        }
        if (!ex.keepAlive) {
            HttpUtil.setKeepAlive(r, false);
        }
        write(r);
        ctx.flush();
        maybeFinish(); // completes when the request's LastHttpContent has been read (and dropped)
    }

    /** Answers a request whose framing cannot be trusted ({@link OwnAnswers#refusal}), then closes. */
    private void refuse(FullHttpResponse r) {
        exchangeLog.refused(r.status().code());
        closing = true; // the decoder discards everything after a bad message
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        releaseAll();
    }

    // ================================================================ timers and plumbing

    private void headTimedOut() {
        if (current == null) {
            closeNow(); // nothing came, or a request head is trickling in too slowly
        }
    }

    private boolean bodyPending() {
        return current != null && !current.requestDone && !closing;
    }

    private void bodyTimedOut() {
        ProxyExchange ex = current;
        current = null;
        ex.recorder.aborted("request body timeout");
        dropUpstream(); // half a request went out: the connection cannot be reused
        if (ex.responseStarted()) {
            closeNow();
        } else {
            refuse(OwnAnswers.bodyTimeout(cfg.httpBodyTimeout()));
        }
    }

    private void dropUpstream() {
        if (upstream != null) {
            upstream.close();
            upstream = null;
        }
    }

    private ChannelFuture write(Object o) {
        lastWrite = ctx.write(o);
        return lastWrite;
    }

    private void flushAndClose() {
        closing = true;
        ctx.flush();
        if (lastWrite != null) {
            lastWrite.addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }

    private void closeNow() {
        closing = true;
        ctx.flush();
        ctx.close();
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
        closing = true;
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
        closeNow();
    }
}
