package io.tuns.server.inspect;

/**
 * A body prepared for a viewer: decoded if it was gzip/deflate, cut at the rendered-bytes bound.
 *
 * @param kind            how to show it: json, text or binary
 * @param contentEncoding the Content-Encoding it was captured with ("" for none)
 * @param decoded         true if {@code bytes} are the decoded form of a compressed body
 * @param note            a sentence for the viewer when something was not shown as-is ("" otherwise)
 * @param bytes           at most the rendered-bytes bound
 * @param renderTruncated true if decoding produced more than the bound (the rest was never inflated)
 */
public record RenderedBody(Kind kind, String contentEncoding, boolean decoded, String note, byte[] bytes,
                           boolean renderTruncated) {

    public enum Kind { JSON, TEXT, BINARY, EMPTY }
}
