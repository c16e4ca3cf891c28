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
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/** {@code /_sish/metrics}: Prometheus text or OpenMetrics by Accept, behind the admin token when one is set. */
public final class MetricsEndpoint {

    private final Metrics metrics;
    private final String adminToken;

    public MetricsEndpoint(Metrics metrics, String adminToken) {
        this.metrics = metrics;
        this.adminToken = adminToken == null ? "" : adminToken;
    }

    FullHttpResponse respond(HttpRequest req, ByteBufAllocator alloc) {
        if (!adminToken.isEmpty() && !authorized(req)) {
            return ErrorPages.page(HttpResponseStatus.UNAUTHORIZED, "Unauthorized",
                    "Metrics need the admin token: send it as the x-authorization header.");
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
        String given = req.headers().get("x-authorization");
        if (given == null) {
            List<String> q = new QueryStringDecoder(req.uri()).parameters().get("x-authorization");
            given = q == null || q.isEmpty() ? null : q.get(0);
        }
        if (given == null) {
            String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
            if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
                given = auth.substring(7).trim();
            }
        }
        return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                adminToken.getBytes(StandardCharsets.UTF_8));
    }
}
