package io.tuns.server.inspect;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * Prepares a captured body for a viewer, lazily and with an output cap: a compressed body is inflated only when
 * someone asks for it and only up to {@code maxRenderedBytes}, so a 1 MiB gzip that would inflate to 1 GiB costs at
 * most the cap. Netty's decompressors cap one buffer, not the total, so plain JDK streams are used here.
 */
public final class BodyRenderer {

    /** How much of the head is sniffed to tell text from binary. */
    static final int SNIFF_BYTES = 1024;

    private final long maxRenderedBytes;

    public BodyRenderer(long maxRenderedBytes) {
        this.maxRenderedBytes = Math.max(0, Math.min(maxRenderedBytes, Integer.MAX_VALUE - 8));
    }

    public long maxRenderedBytes() {
        return maxRenderedBytes;
    }

    /**
     * @param captured        the captured head of the body (possibly itself truncated)
     * @param contentType     the Content-Type header, or null
     * @param contentEncoding the Content-Encoding header, or null
     */
    public RenderedBody render(byte[] captured, String contentType, String contentEncoding) {
        String encoding = contentEncoding == null ? "" : contentEncoding.trim().toLowerCase(Locale.ROOT);
        if (captured.length == 0) {
            return new RenderedBody(RenderedBody.Kind.EMPTY, encoding, false, "", captured, false);
        }
        byte[] bytes = captured;
        boolean decoded = false;
        boolean cut = false;
        String note = "";
        switch (encoding) {
            case "", "identity" -> { }
            case "gzip", "x-gzip", "deflate" -> {
                try {
                    Inflated inflated = inflate(captured, encoding);
                    bytes = inflated.bytes;
                    cut = inflated.cut;
                    decoded = true;
                    if (inflated.partial) {
                        note = "The captured " + encoding + " stream ends early (the capture was truncated);"
                                + " showing what it decodes to.";
                    }
                } catch (IOException e) {
                    note = "Could not decode " + encoding + " (" + e.getMessage() + "); showing the raw bytes.";
                }
            }
            default -> note = "Content-Encoding '" + encoding + "' is not decoded; showing the raw bytes.";
        }
        if (!decoded && bytes.length > maxRenderedBytes) {
            byte[] head = new byte[(int) maxRenderedBytes];
            System.arraycopy(bytes, 0, head, 0, head.length);
            bytes = head;
            cut = true;
        }
        return new RenderedBody(kindOf(bytes, contentType, decoded || encoding.isEmpty() || "identity".equals(encoding)),
                encoding, decoded, note, bytes, cut);
    }

    private record Inflated(byte[] bytes, boolean cut, boolean partial) { }

    private Inflated inflate(byte[] compressed, String encoding) throws IOException {
        try (InputStream in = decoderFor(compressed, encoding)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(maxRenderedBytes, 64 * 1024));
            byte[] buf = new byte[8192];
            boolean partial = false;
            while (true) {
                int want = (int) Math.min(buf.length, maxRenderedBytes + 1 - out.size());
                if (want <= 0) {
                    break;
                }
                int n;
                try {
                    n = in.read(buf, 0, want);
                } catch (EOFException e) {
                    partial = true; // a truncated capture: what was decoded so far is the answer
                    break;
                }
                if (n < 0) {
                    break;
                }
                out.write(buf, 0, n);
            }
            byte[] all = out.toByteArray();
            if (all.length > maxRenderedBytes) {
                byte[] head = new byte[(int) maxRenderedBytes];
                System.arraycopy(all, 0, head, 0, head.length);
                return new Inflated(head, true, partial);
            }
            return new Inflated(all, false, partial);
        }
    }

    private static InputStream decoderFor(byte[] compressed, String encoding) throws IOException {
        if (!"deflate".equals(encoding)) {
            return new GZIPInputStream(new ByteArrayInputStream(compressed), 8192);
        }
        // "deflate" should be zlib-wrapped, but some servers send raw deflate; the zlib header tells them apart.
        boolean zlibWrapped = compressed.length >= 2 && (compressed[0] & 0x0f) == 8
                && (((compressed[0] & 0xff) << 8) | (compressed[1] & 0xff)) % 31 == 0;
        return new InflaterInputStream(new ByteArrayInputStream(compressed), new Inflater(!zlibWrapped), 8192) {
            @Override
            public void close() throws IOException {
                super.close();
                inf.end(); // a caller-supplied Inflater is not ended by close()
            }
        };
    }

    static RenderedBody.Kind kindOf(byte[] bytes, String contentType, boolean readable) {
        if (bytes.length == 0) {
            return RenderedBody.Kind.EMPTY;
        }
        if (!readable) {
            return RenderedBody.Kind.BINARY;
        }
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        boolean looksText = looksLikeText(bytes);
        if (type.contains("json") && looksText) {
            return RenderedBody.Kind.JSON;
        }
        if (type.startsWith("text/") || type.contains("xml") || type.contains("javascript")
                || type.contains("x-www-form-urlencoded") || type.contains("event-stream") || type.isEmpty()
                || type.contains("graphql") || type.contains("yaml")) {
            return looksText ? RenderedBody.Kind.TEXT : RenderedBody.Kind.BINARY;
        }
        if (type.startsWith("image/") || type.startsWith("audio/") || type.startsWith("video/")
                || type.contains("octet-stream") || type.contains("zip") || type.contains("protobuf")
                || type.contains("pdf")) {
            return RenderedBody.Kind.BINARY;
        }
        return looksText ? RenderedBody.Kind.TEXT : RenderedBody.Kind.BINARY;
    }

    /** No NUL and valid UTF-8 in the head (a code point cut at the end of the sniff window is allowed). */
    static boolean looksLikeText(byte[] bytes) {
        int n = Math.min(bytes.length, SNIFF_BYTES);
        for (int i = 0; i < n; i++) {
            if (bytes[i] == 0) {
                return false;
            }
        }
        int end = n;
        // Step back over a trailing, possibly incomplete multi-byte sequence.
        int back = 0;
        while (back < 3 && end - back - 1 >= 0 && (bytes[end - back - 1] & 0xC0) == 0x80) {
            back++;
        }
        if (end - back - 1 >= 0 && (bytes[end - back - 1] & 0xC0) == 0xC0) {
            end = end - back - 1;
        }
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, end));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
