package io.tuns.server.inspect;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;

/**
 * The proxy's side of inspection for one request/response pair. Called on the front channel's event loop; every
 * method returns at once, never blocks, and never retains a buffer or moves its reader index. Calls may come in any
 * order after {@link Inspector#begin} (a response can start before the request ends); calls after the end or an
 * abort are ignored, and {@link #aborted} may come more than once.
 */
public interface ExchangeRecorder {

    /** Records nothing: used when consoles are off. */
    ExchangeRecorder NOOP = new ExchangeRecorder() {
        @Override public void requestContent(ByteBuf content) { }
        @Override public void requestEnd(HttpHeaders trailers) { }
        @Override public void responseHead(HttpResponse response) { }
        @Override public void responseContent(ByteBuf content) { }
        @Override public void responseEnd(HttpHeaders trailers) { }
        @Override public void upgraded() { }
        @Override public void aborted(String reason) { }
    };

    void requestContent(ByteBuf content);

    /** @param trailers trailing headers of a chunked body, or null/empty */
    void requestEnd(HttpHeaders trailers);

    void responseHead(HttpResponse response);

    void responseContent(ByteBuf content);

    void responseEnd(HttpHeaders trailers);

    /** A 101 was relayed: the bytes that follow are another protocol. Ends the exchange. */
    void upgraded();

    void aborted(String reason);
}
