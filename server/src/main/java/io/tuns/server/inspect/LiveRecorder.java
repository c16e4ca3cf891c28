package io.tuns.server.inspect;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;

/** Records one exchange into its tunnel's history. Confined to the front channel's event loop, like its caller. */
final class LiveRecorder implements ExchangeRecorder {

    private final Exchange exchange;
    private final TunnelHistory history;
    private final HeaderRedactor redactor;
    private boolean requestEnded;
    private boolean responseEnded;
    private boolean done;

    LiveRecorder(Exchange exchange, TunnelHistory history, HeaderRedactor redactor) {
        this.exchange = exchange;
        this.history = history;
        this.redactor = redactor;
    }

    @Override
    public void requestContent(ByteBuf content) {
        if (!done && !requestEnded && content != null) {
            exchange.requestBody().append(content);
        }
    }

    @Override
    public void requestEnd(HttpHeaders trailers) {
        if (done || requestEnded) {
            return;
        }
        requestEnded = true;
        exchange.requestEndNanos(System.nanoTime());
        if (trailers != null && !trailers.isEmpty()) {
            exchange.chargeAndKeep(redactor.copy(trailers), exchange::requestTrailers);
        }
        completeIfBothEnded();
    }

    @Override
    public void responseHead(HttpResponse response) {
        if (done || response == null) {
            return;
        }
        exchange.responseHeadNanos(System.nanoTime());
        // the client saw its own protocol: an h2 stream's answer is HTTP/2 whatever the service spoke
        String protocol = exchange.protocol().startsWith("HTTP/2") ? exchange.protocol()
                : response.protocolVersion().text();
        exchange.status(response.status().code(), response.status().reasonPhrase(), protocol);
        exchange.chargeAndKeep(redactor.copy(response.headers()), exchange::responseHeaders);
        history.publish(exchange, ExchangeListener.Event.RESPONDED);
    }

    @Override
    public void responseContent(ByteBuf content) {
        if (!done && !responseEnded && content != null) {
            exchange.responseBody().append(content);
        }
    }

    @Override
    public void responseEnd(HttpHeaders trailers) {
        if (done || responseEnded) {
            return;
        }
        responseEnded = true;
        if (trailers != null && !trailers.isEmpty()) {
            exchange.chargeAndKeep(redactor.copy(trailers), exchange::responseTrailers);
        }
        completeIfBothEnded();
    }

    @Override
    public void upgraded() {
        if (done) {
            return;
        }
        exchange.requestBody().stop(Truncation.UPGRADED);
        exchange.responseBody().stop(Truncation.UPGRADED);
        finish(ExchangeState.UPGRADED, "");
    }

    @Override
    public void aborted(String reason) {
        if (!done) {
            finish(ExchangeState.ABORTED, reason);
        }
    }

    private void completeIfBothEnded() {
        if (requestEnded && responseEnded) {
            finish(ExchangeState.COMPLETE, "");
        }
    }

    private void finish(ExchangeState state, String reason) {
        done = true;
        exchange.end(state, System.nanoTime(), reason);
        history.publish(exchange, ExchangeListener.Event.ENDED);
    }
}
