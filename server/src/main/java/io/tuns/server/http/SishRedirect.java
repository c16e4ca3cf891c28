package io.tuns.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.tuns.server.tunnel.PublicUrls;
import java.nio.charset.StandardCharsets;

/**
 * The redirects sish answers with ({@code c.Redirect(http.StatusFound, …)} for {@code --force-all-https},
 * {@code force-https=true} and {@code --redirect-root-location}), shaped as Go's {@code http.Redirect} writes
 * them: 302 (never 301, which browsers cache for good), Location with non-ASCII bytes %-escaped, and for GET a
 * one-line HTML body; HEAD gets the Content-Type only, other methods neither.
 */
final class SishRedirect {

    private SishRedirect() {
    }

    static FullHttpResponse found(String location, HttpMethod method) {
        String url = hexEscapeNonAscii(location);
        boolean get = HttpMethod.GET.equals(method);
        ByteBuf body = get
                ? Unpooled.copiedBuffer("<a href=\"" + htmlEscape(url) + "\">Found</a>.\n\n", StandardCharsets.UTF_8)
                : Unpooled.EMPTY_BUFFER;
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.FOUND, body);
        r.headers().set(HttpHeaderNames.LOCATION, url);
        if (get || HttpMethod.HEAD.equals(method)) {
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        }
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return r;
    }

    /**
     * sish's HTTPS location: the host the client wrote, without its port, then the HTTPS port people use
     * ({@code --https-port-override}, else the bound one; left out when 443), then the request target.
     *
     * @param rawHost the Host header as received
     * @param uri     the request target in origin form
     */
    static String httpsLocation(PublicUrls urls, String rawHost, String uri) {
        String host = rawHost.trim();
        int colon = host.startsWith("[") ? host.indexOf("]:") + 1 : host.indexOf(':');
        if (colon > 0) {
            host = host.substring(0, colon);
        }
        return urls.https(host).orElse("https://" + host) + uri;
    }

    /** Go's hexEscapeNonASCII: each byte ≥ 0x80 as %xx (lower-case hex, as strconv.AppendInt writes it). */
    static String hexEscapeNonAscii(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        StringBuilder b = new StringBuilder(bytes.length + 8);
        for (byte x : bytes) {
            if (x < 0) {
                b.append('%').append(Integer.toHexString(x & 0xff));
            } else {
                b.append((char) x);
            }
        }
        return b.toString();
    }

    /** Go's net/http htmlEscape. */
    private static String htmlEscape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&#34;")
                .replace("'", "&#39;");
    }
}
