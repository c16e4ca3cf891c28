package io.tuns.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** The pages tuns itself answers with: short, plain, saying what happened and what to do. */
final class ErrorPages {

    private ErrorPages() {
    }

    static FullHttpResponse page(HttpResponseStatus status, String title, String sentence) {
        String html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + escape(title)
                + "</title><style>body{font-family:system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#222}"
                + "code{background:#eee;padding:0 .2em}</style></head><body><h1>" + status.code() + " "
                + escape(title) + "</h1><p>" + escape(sentence) + "</p><hr><small>tuns</small></body></html>\n";
        ByteBuf body = Unpooled.copiedBuffer(html, StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        r.headers().set("X-Content-Type-Options", "nosniff");
        return r;
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
