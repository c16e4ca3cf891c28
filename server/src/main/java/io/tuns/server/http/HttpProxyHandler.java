package io.tuns.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.inspect.ExchangeRecorder;
import io.tuns.server.proxyproto.ClientAddress;
import io.tuns.server.tunnel.ChannelSink.OpenFailure;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelOwner;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection on the public HTTP port. Routes each request by Host to a tunnel, streams it through
 * an {@link UpstreamConnection} and streams the answer back, with back-pressure both ways and nothing held
 * whole: the client is read only as fast as the SSH side takes bytes, and SSH window is returned only when
 * the client has taken the response bytes. After a 101 the connection becomes a raw byte pipe.
 */
final class HttpProxyHandler extends ChannelInboundHandlerAdapter implements UpstreamConnection.Listener {

    private static final Logger log = LoggerFactory.getLogger(HttpProxyHandler.class);

    /** The most of a /_sish request body we aggregate (console replays, admin forms). */
    static final int MAX_CONSOLE_REQUEST_BYTES = 1024 * 1024;

    private enum Mode { IDLE, TO_UPSTREAM, DISCARD, CONSOLE, RAW }

    private final HttpContext hc;
    private final ServerConfig cfg;
    private final RequestRouter router;
    private ChannelHandlerContext ctx;
    private ReadGate gate;
    private Mode mode = Mode.IDLE;
    private ProxyExchange current;
    private UpstreamConnection upstream;
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private CompositeByteBuf consoleBody;
    private ChannelFuture lastWrite;
    private ScheduledFuture<?> headTimer;
    /** Armed while a request body is being read; see {@link #checkBodyProgress}. */
    private ScheduledFuture<?> bodyTimer;
    private long lastBodyReadNanos;
    private boolean closing;

    HttpProxyHandler(HttpContext hc) {
        this.hc = hc;
        this.cfg = hc.config();
        this.router = new RequestRouter(new RequestRouter.Settings(cfg.domain(), hc.metrics() != null,
                hc.console() != null && (cfg.serviceConsole() || cfg.adminConsole()), cfg.redirectRoot(),
                cfg.redirectRootLocation(), cfg.https(), cfg.forceAllHttps()), hc.registry()::httpRoute);
    }

    // ================================================================ client side

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.gate = new ReadGate(ctx.channel());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        armHeadTimer();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (mode == Mode.RAW) {
            if (msg instanceof ByteBuf b) {
                hc.events().bytes("in", b.readableBytes());
                upstream.sendRaw(b);
            } else {
                ReferenceCountUtil.release(msg);
            }
            return;
        }
        if (!held.isEmpty() || (current != null && msg instanceof HttpRequest)) {
            // pipelined: the next request waits until this response is complete
            held.add(msg);
            gate.pause(ReadGate.Reason.PIPELINED);
            return;
        }
        dispatch(msg);
    }

    private void dispatch(Object msg) {
        if (msg instanceof HttpRequest req) {
            startExchange(req);
            if (msg instanceof HttpContent c) { // never from HttpServerCodec, but be safe
                onRequestContent(c);
            }
        } else if (msg instanceof HttpContent c) {
            onRequestContent(c);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void startExchange(HttpRequest req) {
        cancelHeadTimer();
        DecoderResult dr = req.decoderResult();
        if (dr.isFailure()) {
            badRequest(dr.cause());
            return;
        }
        RequestValidator.Refusal refusal = RequestValidator.check(req);
        if (refusal != null) {
            refuse(refusal.status(), refusal.reason());
            return;
        }
        RequestTarget.toOriginForm(req);
        lastBodyReadNanos = System.nanoTime();
        String host = HostHeader.of(req);
        current = new ProxyExchange(req, host);
        if (host == null) {
            answer(HttpResponseStatus.BAD_REQUEST, "Bad request", "The request has no Host header, so it cannot be "
                    + "routed to a tunnel.");
            return;
        }
        String path = req.uri();
        // --- io.tuns.server.tls: ACME HTTP-01 answers, on the plain listener only
        if (hc.tls() != null && !isTls()) {
            FullHttpResponse early = hc.tls().intercept(path);
            if (early != null) {
                mode = Mode.DISCARD;
                respond(early);
                return;
            }
        }
        // --- end tls
        RequestRouter.Route route = router.route(host, path, isTls(), req.headers().get(HttpHeaderNames.AUTHORIZATION));
        current.tunnel = route.tunnel();
        current.group = route.group();
        switch (route.kind()) {
            case METRICS -> {
                mode = Mode.DISCARD;
                respond(hc.metrics().respond(req, ctx.alloc()));
            }
            case CONSOLE -> {
                mode = Mode.CONSOLE;
                consoleBody = ctx.alloc().compositeBuffer();
            }
            case REDIRECT -> {
                mode = Mode.DISCARD;
                respond(SishRedirect.found(route.location(), req.method()));
            }
            case ROOT_PAGE -> answer(HttpResponseStatus.OK, "tuns", RootPage.sentence(cfg.domain(), cfg.adminConsole(), hc.urls().get()));
            case NOT_FOUND -> {
                current.logError = host.equals(cfg.domain()) ? "" : SishAccessLine.noTunnelError(host);
                answer(HttpResponseStatus.NOT_FOUND, "No tunnel here", "No tunnel is open for " + host
                        + ". If it is yours, check that your ssh -R command is still running.");
            }
            case UNAUTHORIZED -> {
                FullHttpResponse r = ErrorPages.page(HttpResponseStatus.UNAUTHORIZED, "Authentication required",
                        "This tunnel is protected: send the user name and password its owner gave you.");
                r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"sish\"");
                mode = Mode.DISCARD;
                respond(r);
            }
            case FORCE_HTTPS -> {
                mode = Mode.DISCARD;
                respond(SishRedirect.found(SishRedirect.httpsLocation(hc.urls().get(),
                        req.headers().get(HttpHeaderNames.HOST), path), req.method()));
            }
            case TUNNEL -> toUpstream(req, route.tunnel());
        }
    }

    private void toUpstream(HttpRequest req, Tunnel tunnel) {
        mode = Mode.TO_UPSTREAM;
        InetSocketAddress client = ClientAddress.of(ctx.channel()); // PROXY header source if any
        String clientIp = client.getAddress().getHostAddress();
        current.clientIp = clientIp;
        if (hc.inspector() != null) {
            current.recorder = hc.inspector().begin(current.host, clientIp, req);
        }
        current.upgradeRequested = req.headers().contains(HttpHeaderNames.UPGRADE);
        ForwardedRequest.rewrite(req, clientIp, isTls() || cfg.proxySslTermination(), current.upgradeRequested,
                tunnel.options());

        if (upstream != null && (upstream.tunnel != tunnel || !upstream.reusable())) {
            upstream.close();
            upstream = null;
        }
        current.onReusedUpstream = upstream != null;
        if (upstream == null && !openUpstream(tunnel)) {
            return;
        }
        upstream.send(req);
    }

    /** True on the HTTPS listener: TLS is terminated in this pipeline. */
    private boolean isTls() {
        return ctx.channel() instanceof Http2StreamChannel || ctx.pipeline().get(SslHandler.class) != null; // h2: TLS only
    }

    /** Opens a channel for the current exchange; false (answered 429) when its client holds its share already. */
    private boolean openUpstream(Tunnel tunnel) {
        String clientIp = current.clientIp;
        TunnelOwner owner = tunnel.owner();
        if (!hc.shares().tryAcquire(owner, clientIp)) {
            current.recorder.aborted("client share");
            FullHttpResponse r = ErrorPages.page(HttpResponseStatus.TOO_MANY_REQUESTS, "Too many connections",
                    "Your address holds " + hc.shares().limit() + " of this tunnel's connections, the most one "
                            + "address may hold (--http-max-client-share). Try again when some have finished.");
            r.headers().set(HttpHeaderNames.RETRY_AFTER, 1);
            mode = Mode.DISCARD;
            respond(r);
            return false;
        }
        upstream = new UpstreamConnection(tunnel, ctx.channel().eventLoop(), cfg, this, hc.backendTls());
        upstream.holdShare(() -> hc.shares().release(owner, clientIp));
        gate.pause(ReadGate.Reason.OPENING);
        upstream.open(ClientAddress.of(ctx.channel()));
        return true;
    }

    /**
     * A kept-alive tunnel connection can be closed by the service just as a new request goes out on it. A
     * bodiless GET/HEAD that got no answer is safe to send once more on a fresh connection.
     */
    private boolean retryOnFreshUpstream(UpstreamConnection failed) {
        ProxyExchange ex = current;
        if (ex == null || ex.retried || !ex.onReusedUpstream || ex.responseStarted() || !ex.requestDone
                || !(ex.request.method().equals(HttpMethod.GET)
                || ex.request.method().equals(HttpMethod.HEAD))
                || HttpUtil.getContentLength(ex.request, 0L) > 0 || HttpUtil.isTransferEncodingChunked(ex.request)) {
            return false;
        }
        ex.retried = true;
        ex.onReusedUpstream = false;
        if (!openUpstream(failed.tunnel)) {
            return true; // answered 429
        }
        upstream.send(ex.request);
        upstream.send(LastHttpContent.EMPTY_LAST_CONTENT);
        return true;
    }

    /**
     * With a load balancer, a member whose channel would not open is skipped for this request while another is
     * live. The request bytes encoded so far never left tuns (they wait for the open), so they move to the other
     * member with the codec, body included; the rest of the body follows once the new channel opens.
     */
    private boolean failoverTo(UpstreamConnection failed) {
        ProxyExchange ex = current;
        if (ex == null || ex.group == null) {
            return false;
        }
        if (ex.failedMembers == null) {
            ex.failedMembers = new ArrayList<>(2);
        }
        ex.failedMembers.add(failed.tunnel);
        Tunnel other = ex.group.nextExcept(ex.failedMembers);
        if (other == null || !failed.canHandOverTo(other)) {
            return false;
        }
        upstream = failed.handOverTo(other);
        upstream.open(ClientAddress.of(ctx.channel()));
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
                badRequest(c.decoderResult().cause());
            }
            return;
        }
        boolean last = c instanceof LastHttpContent;
        lastBodyReadNanos = System.nanoTime();
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
                if (consoleBody.readableBytes() + c.content().readableBytes() > MAX_CONSOLE_REQUEST_BYTES) {
                    c.release();
                    consoleBody.release();
                    consoleBody = null;
                    mode = Mode.DISCARD;
                    answer(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "Too large",
                            "Console requests are limited to " + MAX_CONSOLE_REQUEST_BYTES + " bytes.");
                    current.keepAlive = false;
                    return;
                }
                consoleBody.addComponent(true, c.content().retain());
                c.release();
                if (last) {
                    handConsole();
                }
            }
            default -> c.release();
        }
        if (last && current != null) {
            current.requestDone = true;
            cancelBodyTimer();
            if (current.upgradeRequested && mode == Mode.TO_UPSTREAM) {
                // bytes after an Upgrade request are another protocol: wait for the answer before reading on
                gate.pause(ReadGate.Reason.UPGRADING);
            }
            maybeFinish();
        }
    }

    private void handConsole() {
        ProxyExchange ex = current;
        HttpRequest r = ex.request;
        DefaultFullHttpRequest full = new DefaultFullHttpRequest(r.protocolVersion(), r.method(), r.uri(),
                consoleBody, r.headers(), EmptyHttpHeaders.INSTANCE);
        consoleBody = null;
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
        upstream = null;
        if (current != null && !current.responseStarted() && failoverTo(up)) {
            return; // reading stays paused until the other member's channel opens
        }
        gate.resume(ReadGate.Reason.OPENING);
        gate.resume(ReadGate.Reason.SSH_FULL);
        if (current == null || current.responseStarted()) {
            closeNow();
            return;
        }
        current.recorder.aborted("open failed: " + reason);
        mode = Mode.DISCARD;
        switch (failure) {
            case TIMEOUT -> answer(HttpResponseStatus.GATEWAY_TIMEOUT, "Tunnel timed out",
                    "The tunnel's ssh client did not open a connection in time (" + reason + ").");
            case LIMIT -> answer(HttpResponseStatus.SERVICE_UNAVAILABLE, "Too many connections",
                    "The tunnel is at its connection limit: " + reason + ". Try again shortly.");
            default -> answer(HttpResponseStatus.BAD_GATEWAY, "Tunnel cannot reach its service",
                    "The ssh client behind this tunnel could not connect to its local service ("
                            + reason + "). Is the local server running?");
        }
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
        for (Object o : objects) {
            if (mode == Mode.RAW) {
                if (o instanceof ByteBuf b) {
                    hc.events().bytes("out", b.readableBytes());
                    last = write(b);
                } else {
                    ReferenceCountUtil.release(o);
                }
                continue;
            }
            if (up != upstream || current == null || !(o instanceof HttpObject)) {
                // bytes the service sent without being asked, or after an earlier object in this batch ended it
                ReferenceCountUtil.release(o);
                continue;
            }
            last = relayResponseObject(up, (HttpObject) o);
        }
        ctx.flush();
        if (last != null) {
            last.addListener(f -> release.run());
        } else {
            release.run();
        }
        if (mode != Mode.RAW) {
            maybeFinish();
        }
    }

    private ChannelFuture relayResponseObject(UpstreamConnection up, HttpObject o) {
        if (o.decoderResult().isFailure()) {
            ReferenceCountUtil.release(o);
            up.close();
            upstream = null;
            if (!current.responseStarted()) {
                current.recorder.aborted("bad response");
                current.keepAlive = false; // before answering: the answer may end the exchange (issue 13 item 3)
                answer(HttpResponseStatus.BAD_GATEWAY, "Bad response from the tunnel",
                        "The service behind this tunnel sent something that is not valid HTTP/1.1.");
            } else {
                closeNow();
            }
            return null;
        }
        ChannelFuture f = null;
        if (o instanceof HttpResponse r) {
            int code = r.status().code();
            current.headRelayed(code);
            if (current.response() == ProxyExchange.Response.STREAMING) {
                current.recorder.responseHead(r);
                if (!HttpUtil.isKeepAlive(r)) {
                    current.keepAlive = false;
                }
                if (!current.keepAlive && code != 101) {
                    HttpUtil.setKeepAlive(r, false);
                }
                ResponseFraming.chunkIfUndelimited(current.request, r);
            }
            return write(o);
        }
        if (o instanceof HttpContent c) {
            if (current.response() != ProxyExchange.Response.INFORMATIONAL) {
                hc.events().bytes("out", c.content().readableBytes());
                current.recorder.responseContent(c.content());
            }
            boolean isLast = c instanceof LastHttpContent;
            HttpHeaders trailers = isLast ? ((LastHttpContent) c).trailingHeaders() : null;
            f = write(c);
            if (isLast) {
                onResponseEnd(trailers);
            }
        }
        return f;
    }

    private void onResponseEnd(HttpHeaders trailers) {
        if (current.response() == ProxyExchange.Response.INFORMATIONAL) {
            current.bodyEnded(); // back to waiting for the real head
            return;
        }
        if (current.status() == 101) {
            current.recorder.upgraded();
            switchToRaw();
            return;
        }
        current.recorder.responseEnd(trailers);
        current.bodyEnded();
        if (current.upgradeRequested) {
            gate.resume(ReadGate.Reason.UPGRADING);
        }
    }

    private void switchToRaw() {
        if (ctx.pipeline().get(HttpServerCodec.class) == null) {
            closeNow(); // an HTTP/2 stream (H2ExchangeAdapter) cannot become a byte pipe
            return;
        }
        hc.events().request(101, seconds(current));
        logExchange(current, 101);
        mode = Mode.RAW;
        upstream.switchToRaw();
        // The 101 head is already encoded; from here bytes pass untouched. Removing the codec re-fires any
        // bytes it had buffered, which now take the RAW path.
        ctx.pipeline().remove(HttpServerCodec.class);
        current = null;
        gate.resume(ReadGate.Reason.UPGRADING);
        gate.resume(ReadGate.Reason.PIPELINED);
        while (!held.isEmpty()) {
            ReferenceCountUtil.release(held.poll());
        }
    }

    @Override
    public void upstreamEnded(UpstreamConnection up) {
        if (up != upstream) {
            return;
        }
        upstream = null;
        gate.resume(ReadGate.Reason.OPENING);
        gate.resume(ReadGate.Reason.SSH_FULL);
        if (mode == Mode.RAW) {
            flushAndClose();
            return;
        }
        if (retryOnFreshUpstream(up)) {
            return;
        }
        if (current != null && !current.responseDone()) {
            current.recorder.aborted("tunnel closed");
            if (!current.responseStarted()) {
                mode = Mode.DISCARD;
                current.keepAlive = false; // before answering: the answer may end the exchange
                if (up.failure() != null) {
                    answer(HttpResponseStatus.BAD_GATEWAY, "TLS with the service failed", up.failure());
                } else {
                    answer(HttpResponseStatus.BAD_GATEWAY, "Tunnel closed",
                            "The tunnel closed the connection before its service answered.");
                }
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
        hc.events().request(done.status(), seconds(done));
        logExchange(done, done.status());
        if (!done.keepAlive) {
            if (upstream != null) {
                upstream.close();
                upstream = null;
            }
            flushAndClose();
            return;
        }
        if (upstream != null && !upstream.reusable()) {
            upstream.close();
            upstream = null;
        }
        armHeadTimer();
        drainHeld();
    }

    private void drainHeld() {
        while (!held.isEmpty() && current == null && !closing && mode != Mode.RAW) {
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
    private void answer(HttpResponseStatus status, String title, String sentence) {
        if (mode != Mode.CONSOLE) {
            mode = Mode.DISCARD;
        }
        respond(ErrorPages.page(status, title, sentence));
    }

    private void respond(FullHttpResponse r) {
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

    private void badRequest(Throwable cause) {
        HttpResponseStatus status = HttpResponseStatus.BAD_REQUEST;
        String sentence = "The request is not valid HTTP/1.1: " + (cause == null ? "unknown error" : cause.getMessage());
        if (cause instanceof TooLongHttpLineException) {
            status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
            sentence = "The request line is longer than " + cfg.httpMaxInitialLineLength() + " bytes.";
        } else if (cause instanceof TooLongHttpHeaderException) {
            status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
            sentence = "The request headers are larger than " + cfg.httpMaxHeaderSize() + " bytes.";
        } else if (cause instanceof TooLongFrameException) {
            status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        }
        refuse(status, sentence);
    }

    /** Answers a request whose framing cannot be trusted, then closes: what follows it cannot be parsed safely. */
    private void refuse(HttpResponseStatus status, String sentence) {
        FullHttpResponse r = ErrorPages.page(status, status.reasonPhrase(), sentence);
        HttpUtil.setKeepAlive(r, false);
        hc.events().request(status.code(), 0);
        // the decoder discards everything after a bad message: answer and close
        closing = true;
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        releaseAll();
    }

    // ================================================================ plumbing

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

    /** sish's access line (our log, --log-to-client: the tunnel owner's ssh session); --debug: key=value form. */
    private void logExchange(ProxyExchange e, int status) {
        if (log.isDebugEnabled()) {
            int q = e.uri.indexOf('?');
            log.debug("event=request host={} method={} path=\"{}\" status={} ms={} tunnel={}", e.host,
                    e.request.method().name(), (q < 0 ? e.uri : e.uri.substring(0, q)).replace('"', '\''), status,
                    (System.nanoTime() - e.startNanos) / 1_000_000, e.tunnel == null ? "-" : e.tunnel.host());
        }
        if (hc.requestLog() != null) {
            String ip = e.clientIp != null ? e.clientIp
                    : ClientAddress.of(ctx.channel()).getAddress().getHostAddress();
            hc.requestLog().exchange(e.tunnel, e.request.headers().get(HttpHeaderNames.HOST), status,
                    System.nanoTime() - e.startNanos, ip, e.request.method().name(), e.uri, e.logError);
        }
    }

    private static double seconds(ProxyExchange e) {
        return (System.nanoTime() - e.startNanos) / 1e9;
    }

    private void armHeadTimer() {
        cancelHeadTimer();
        long ms = cfg.httpHeaderTimeout().toMillis();
        if (ms > 0) {
            headTimer = ctx.executor().schedule(() -> {
                if (current == null && mode != Mode.RAW) {
                    closeNow(); // nothing came, or a request head is trickling in too slowly
                }
            }, ms, TimeUnit.MILLISECONDS);
        }
    }

    private void cancelHeadTimer() {
        if (headTimer != null) {
            headTimer.cancel(false);
            headTimer = null;
        }
    }

    /**
     * nginx's client_body_timeout: the longest wait for the next bytes of a request body. Armed once per body (not
     * per chunk, and never for a bodiless request, whose end comes in the same read as its head).
     */
    private void armBodyTimer(long delayNanos) {
        bodyTimer = ctx.executor().schedule(this::checkBodyProgress, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void checkBodyProgress() {
        bodyTimer = null;
        if (current == null || current.requestDone || closing || mode == Mode.RAW) {
            return;
        }
        long timeout = cfg.httpBodyTimeout().toNanos();
        if (!ctx.channel().config().isAutoRead()) {
            armBodyTimer(timeout); // tuns is not reading (tunnel full or opening): not the client's delay
            return;
        }
        long left = timeout - (System.nanoTime() - lastBodyReadNanos);
        if (left > 0) {
            armBodyTimer(left);
            return;
        }
        ProxyExchange ex = current;
        current = null;
        ex.recorder.aborted("request body timeout");
        if (upstream != null) {
            upstream.close(); // half a request went out: the connection cannot be reused
            upstream = null;
        }
        if (ex.responseStarted()) {
            closeNow();
        } else {
            refuse(HttpResponseStatus.REQUEST_TIMEOUT, "The request body stopped arriving: nothing for "
                    + cfg.httpBodyTimeout().toSeconds() + " s (--http-body-timeout).");
        }
    }

    private void cancelBodyTimer() {
        if (bodyTimer != null) {
            bodyTimer.cancel(false);
            bodyTimer = null;
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (current != null && !current.requestDone && bodyTimer == null && !closing && mode != Mode.RAW) {
            armBodyTimer(cfg.httpBodyTimeout().toNanos());
        }
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        cancelHeadTimer();
        cancelBodyTimer();
        if (current != null) {
            current.recorder.aborted("client closed");
            current = null;
        }
        if (upstream != null) {
            if (mode == Mode.RAW) {
                upstream.shutdownOutput();
            }
            upstream.close();
            upstream = null;
        }
        releaseAll();
        ctx.fireChannelInactive();
    }

    private void releaseAll() {
        while (!held.isEmpty()) {
            ReferenceCountUtil.release(held.poll());
        }
        if (consoleBody != null) {
            consoleBody.release();
            consoleBody = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // resets and broken pipes from clients are normal on a public port; never log a stack per client
        closeNow();
    }
}
