package io.tuns.server.http;

import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.tuns.server.inspect.ExchangeRecorder;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelGroup;
import java.util.List;

/**
 * One request/response pair on a client connection. The answer's progress is one explicit state; the request side
 * only knows whether its last byte was read. The exchange is complete when both are done, and only then does
 * {@link HttpProxyHandler} end it (its single end, which releases what the exchange held).
 */
final class ProxyExchange {

    /** Where the answer stands. */
    enum Response {
        /** Nothing relayed yet: tuns may still answer itself (502/503/504, 408, 429) or retry elsewhere. */
        AWAITED,
        /** A 1xx other than 101 was relayed; the real head is still to come. */
        INFORMATIONAL,
        /** The head went to the client; a cut-off from here on must close the client connection. */
        STREAMING,
        /** The whole answer went to the client (from the service or from tuns). */
        DONE,
        /** The service's 101 went to the client whole: the connection becomes a raw byte pipe. */
        UPGRADED
    }

    final HttpRequest request;
    final String host;
    /** As the client sent it, before strip-path (for logs). */
    final String uri;
    final long startNanos = System.nanoTime();
    private Response response = Response.AWAITED;
    private int status;
    boolean keepAlive;
    boolean requestDone;
    boolean upgradeRequested;
    boolean onReusedUpstream;
    boolean retried;
    /** Its route is held by another cluster node: the request goes there by a hop, which does all tunnel work. */
    boolean hopped;
    /** A load balancer's health check: neither an access line nor a request in the HTTP metrics. */
    boolean healthCheck;
    TunnelGroup group;
    Tunnel tunnel;
    String clientIp;
    /** gin's private error for the access line, "" when none. */
    String logError = "";
    /** Members whose channel would not open for this request; at most the group's size. */
    List<Tunnel> failedMembers;
    ExchangeRecorder recorder = ExchangeRecorder.NOOP;

    ProxyExchange(HttpRequest request, String host) {
        this.request = request;
        this.uri = request.uri();
        this.host = host;
        this.keepAlive = HttpUtil.isKeepAlive(request);
    }

    Response response() {
        return response;
    }

    int status() {
        return status;
    }

    boolean responseStarted() {
        return response == Response.STREAMING || response == Response.DONE || response == Response.UPGRADED;
    }

    boolean responseDone() {
        return response == Response.DONE;
    }

    boolean complete() {
        return requestDone && response == Response.DONE;
    }

    /** A response head from the service: 1xx (not 101) keeps waiting for the real one. */
    void headRelayed(int code) {
        if (code >= 100 && code < 200 && code != 101) {
            response = Response.INFORMATIONAL;
            return;
        }
        response = Response.STREAMING;
        status = code;
    }

    /** The end of whatever head was relayed last; true when it ended the answer (not a 1xx). */
    boolean bodyEnded() {
        if (response == Response.INFORMATIONAL) {
            response = Response.AWAITED;
            return false;
        }
        response = status == 101 ? Response.UPGRADED : Response.DONE;
        return true;
    }

    /** tuns answered the request itself, whole. */
    void answered(int code) {
        response = Response.DONE;
        status = code;
    }
}
