package io.tuns.server.http;

import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;
import io.tuns.server.tunnel.ChannelSink.OpenFailure;
import io.tuns.server.tunnel.Tunnel;
import java.util.List;
import java.util.function.Function;

/**
 * The tunnel side of one public client connection: the tunnel channel its exchanges go through (kept while both
 * sides allow, got and replaced on failure by {@link UpstreamRecovery}) and what comes back on it, relayed by
 * {@link ResponseRelay}. Reading from the client pauses while the channel opens or its SSH side is full. Whatever
 * ends the channel, the exchange learns it: tuns answers (429, 502/503/504) while nothing was relayed yet, else the
 * client connection closes, as a cut-off must show. Event loop only.
 */
final class TunnelSide implements UpstreamConnection.Listener {

    /** What the client side does for this side. */
    interface Exchanges {
        /** The exchange in progress if it went to the tunnel, else null: nothing else is this side's business. */
        ProxyExchange current();

        /** tuns answers the current exchange itself; the rest of its request body is dropped. */
        void fail(FullHttpResponse r);

        /** The service's answer moved on: the exchange ends if both sides are done. */
        void maybeFinish();

        /**
         * The service accepted the upgrade on {@code up}, whose 101 ends with {@code head}; null when the client
         * side cannot switch (an HTTP/2 stream), which has then been closed.
         */
        RawRelay upgrade(UpstreamConnection up, ChannelFuture head);
    }

    private final Exchanges exchanges;
    private final ReadGate gate;
    private final ClientOutput out;
    private final ResponseRelay responses;
    private final ClientShares shares;
    private final UpstreamRecovery recovery;
    private UpstreamConnection upstream;

    /** @param recovery given this side, the recovery whose connections report to it */
    TunnelSide(Exchanges exchanges, ReadGate gate, ClientOutput out, HttpEvents events, ClientShares shares,
               Function<UpstreamConnection.Listener, UpstreamRecovery> recovery) {
        this.exchanges = exchanges;
        this.gate = gate;
        this.out = out;
        this.responses = new ResponseRelay(events, out);
        this.shares = shares;
        this.recovery = recovery.apply(this);
    }

    /**
     * Sends {@code ex}'s head to {@code tunnel}: on the kept channel if it goes there and can be reused, else on a
     * new one (answered 429 when the client's share is used up).
     */
    void send(ProxyExchange ex, Tunnel tunnel) {
        if (upstream != null && (upstream.tunnel != tunnel || !upstream.reusable())) {
            park(); // the last exchange on it is complete
        }
        ex.onReusedUpstream = upstream != null;
        if (upstream != null || attach(recovery.open(tunnel, ex.clientIp))) {
            upstream.send(ex.request);
        }
    }

    /** Request body bytes; dropped when the service already answered and left. */
    void send(HttpObject content) {
        if (upstream != null) {
            upstream.send(content);
        } else {
            ReferenceCountUtil.release(content);
        }
    }

    /** Closes the channel (the exchange is over and it cannot be reused, or the client left). */
    void drop() {
        if (upstream != null) {
            upstream.close();
            upstream = null;
        }
    }

    /** Closes the kept channel if it goes to {@code t} (one not to be pooled again), between exchanges. */
    void dropIf(Tunnel t) {
        if (upstream != null && upstream.tunnel == t) {
            drop();
        }
    }

    /**
     * Lets the channel go after complete exchanges: a hop connection goes back to its pool for another request,
     * any other channel closes.
     */
    void park() {
        if (upstream != null) {
            upstream.park();
            upstream = null;
        }
    }

    /** After an exchange: the channel stays only if both sides can go on with another request. */
    void keepIf(boolean clientKeepsAlive) {
        if (!clientKeepsAlive || upstream != null && !upstream.reusable()) {
            park();
        }
    }

    private boolean attach(UpstreamConnection up) {
        if (up == null) {
            exchanges.current().recorder.aborted("client share");
            exchanges.fail(OwnAnswers.clientShareExceeded(shares.limit()));
            return false;
        }
        upstream = up;
        gate.pause(ReadGate.Reason.OPENING);
        return true;
    }

    @Override
    public void upstreamOpened(UpstreamConnection up) {
        if (up == upstream) {
            gate.resume(ReadGate.Reason.OPENING);
        }
    }

    @Override
    public void upstreamPaused(UpstreamConnection up, boolean paused) {
        if (up == upstream) {
            gate.set(ReadGate.Reason.SSH_FULL, paused);
        }
    }

    @Override
    public void upstreamFailed(UpstreamConnection up, OpenFailure failure, String reason) {
        if (up != upstream) {
            return;
        }
        ProxyExchange ex = exchanges.current();
        upstream = ex != null && !ex.responseStarted() ? recovery.failover(ex, up) : null;
        if (upstream != null) {
            return; // another pool member took the request; reading stays paused until its channel opens
        }
        gate.resume(ReadGate.Reason.OPENING);
        gate.resume(ReadGate.Reason.SSH_FULL);
        if (ex == null || ex.responseStarted()) {
            out.closeNow();
            return;
        }
        ex.recorder.aborted("open failed: " + reason);
        exchanges.fail(OwnAnswers.openFailed(failure, reason));
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
            ProxyExchange ex = exchanges.current();
            if (up != upstream || ex == null || !(o instanceof HttpObject h)) {
                // bytes the service sent without being asked, or after an earlier object in this batch ended it
                ReferenceCountUtil.release(o);
            } else if (h.decoderResult().isFailure()) {
                ReferenceCountUtil.release(o);
                badResponse(ex);
            } else {
                ChannelFuture f = responses.relay(ex, h);
                last = f != null ? f : last;
                if (ex.responseDone() && ex.upgradeRequested) {
                    gate.resume(ReadGate.Reason.UPGRADING); // refused: reading goes on as HTTP
                }
                upgraded = ex.response() == ProxyExchange.Response.UPGRADED;
            }
        }
        out.flush();
        ChannelFuture head = last;
        Runnable afterWrites = head == null ? release : () -> head.addListener(f -> release.run());
        if (upgraded) { // the rest of the batch is already the new protocol's
            upstream = null;
            RawRelay relay = exchanges.upgrade(up, head);
            if (relay == null) { // the service's side of a switch that cannot happen goes too
                objects.subList(i, objects.size()).forEach(ReferenceCountUtil::release);
                up.close();
                afterWrites.run();
                return;
            }
            relay.upstreamObjects(up, objects.subList(i, objects.size()), afterWrites);
            return;
        }
        afterWrites.run();
        exchanges.maybeFinish();
    }

    private void badResponse(ProxyExchange ex) {
        drop();
        if (ex.responseStarted()) {
            out.closeNow();
            return;
        }
        ex.recorder.aborted("bad response");
        ex.keepAlive = false; // before answering: the answer may end the exchange (issue 13 item 3)
        exchanges.fail(OwnAnswers.badResponse());
    }

    @Override
    public void upstreamEnded(UpstreamConnection up) {
        if (up != upstream) {
            return;
        }
        upstream = null;
        gate.resume(ReadGate.Reason.OPENING);
        gate.resume(ReadGate.Reason.SSH_FULL);
        ProxyExchange ex = exchanges.current();
        if (ex != null && UpstreamRecovery.mayRetry(ex)) {
            attach(recovery.retry(ex, up.tunnel)); // sent again on a fresh channel, or answered 429
        } else if (ex != null && !ex.responseDone()) {
            ex.recorder.aborted("tunnel closed");
            if (ex.responseStarted()) {
                out.closeNow(); // the response was cut off: the client must see the connection end
                return;
            }
            ex.keepAlive = false; // before answering: the answer may end the exchange
            exchanges.fail(OwnAnswers.tunnelClosed(up.failure()));
        }
    }
}
