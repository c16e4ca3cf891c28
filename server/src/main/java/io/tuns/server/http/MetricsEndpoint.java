package io.tuns.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.buffer.ByteBufAllocator;
import io.tuns.server.metrics.Metrics;
import io.tuns.server.metrics.ScrapeAuth;
import java.io.IOException;
import java.util.List;

/** {@code /_sish/metrics}: Prometheus text or OpenMetrics by Accept, behind the admin token when one is set. */
public final class MetricsEndpoint {

    private final Metrics metrics;
    private final ScrapeAuth auth;

    public MetricsEndpoint(Metrics metrics, ScrapeAuth auth) {
        this.metrics = metrics;
        this.auth = auth;
    }

    FullHttpResponse respond(HttpRequest req, ByteBufAllocator alloc) {
        if (!authorized(req)) {
            return ErrorPages.page(HttpResponseStatus.UNAUTHORIZED, "Unauthorized",
                    "Metrics need the admin token: send it as the x-authorization header or as Authorization: Bearer.");
        }
        String accept = req.headers().get(HttpHeaderNames.ACCEPT, "");
        ByteBuf body = alloc.buffer();
        try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
            metrics.scrape(accept, out);
        } catch (IOException | RuntimeException e) {
            body.release();
            return ErrorPages.page(HttpResponseStatus.INTERNAL_SERVER_ERROR, "Metrics failed", "Scraping failed: " + e.getMessage());
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, metrics.contentType(accept));
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return r;
    }

    private boolean authorized(HttpRequest req) {
        List<String> q = new QueryStringDecoder(req.uri()).parameters().get("x-authorization");
        return auth.allows(req.headers().get("x-authorization"), q == null || q.isEmpty() ? null : q.get(0),
                req.headers().get(HttpHeaderNames.AUTHORIZATION));
    }
}
