package io.tuns.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import java.nio.charset.StandardCharsets;

/**
 * Reads the host and path of an HTTP/1.x request head from raw bytes, without consuming them: enough to route a
 * connection to another node before the codec sees it. Pure; the bytes stay as they came.
 *
 * @param host normalised like {@link HostHeader} (no port, lower case), or null when the head names none
 * @param path the request target's path (absolute-form reduced to its path)
 */
record RequestHead(String host, String path) {

    /** The head is not complete yet. */
    static final RequestHead INCOMPLETE = new RequestHead(null, null);

    /** The head in {@code buf} (from its reader index), {@link #INCOMPLETE}, or one with a null host (let the codec judge). */
    static RequestHead peek(ByteBuf buf) {
        int end = buf.forEachByte(buf.readerIndex(), buf.readableBytes(), new ByteProcessor() {
            int state; // matched bytes of \r\n\r\n

            @Override
            public boolean process(byte b) {
                state = b == '\n' ? (state == 1 || state == 3 ? state + 1 : 0) : b == '\r' ? (state == 2 ? 3 : 1) : 0;
                return state != 4;
            }
        });
        if (end < 0) {
            return INCOMPLETE;
        }
        String head = buf.toString(buf.readerIndex(), end - buf.readerIndex(), StandardCharsets.ISO_8859_1);
        String[] lines = head.split("\r\n");
        String[] requestLine = lines[0].split(" ");
        String path = requestLine.length >= 2 ? pathOf(requestLine[1]) : "/";
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0 && lines[i].substring(0, colon).trim().equalsIgnoreCase("host")) {
                return new RequestHead(HostHeader.normalise(lines[i].substring(colon + 1)), path);
            }
        }
        return new RequestHead(null, path);
    }

    private static String pathOf(String target) {
        int scheme = target.indexOf("://");
        if (scheme > 0) {
            int slash = target.indexOf('/', scheme + 3);
            return slash < 0 ? "/" : target.substring(slash);
        }
        return target;
    }
}
