package io.tuns.server.inspect;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class BodyRendererTest {

    private static final long MAX_RENDERED_BYTES = 1024 * 1024;
    private static byte[] gzipBomb;

    /** About 1 MiB of gzip that inflates to 1 GiB of zeros. */
    @BeforeAll
    static void buildBomb() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1100 * 1024);
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16) {
            { def.setLevel(Deflater.BEST_COMPRESSION); }
        }) {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 1024; i++) {
                gz.write(zeros);
            }
        }
        gzipBomb = out.toByteArray();
    }

    @Test
    void aGzipBombRendersACappedPreviewCheaply() {
        assertThat(gzipBomb.length).isBetween(900 * 1024, 1100 * 1024);
        BodyRenderer renderer = new BodyRenderer(MAX_RENDERED_BYTES);
        long before = System.nanoTime();
        RenderedBody body = renderer.render(gzipBomb, "application/octet-stream", "gzip");
        long millis = (System.nanoTime() - before) / 1_000_000;

        assertThat(body.decoded()).isTrue();
        assertThat(body.bytes()).hasSize((int) MAX_RENDERED_BYTES);
        assertThat(body.renderTruncated()).isTrue();
        assertThat(millis).as("only the capped prefix is inflated").isLessThan(2000);
    }

    @Test
    void aTruncatedGzipCaptureShowsWhatItDecodesTo() throws IOException {
        byte[] text = "hello world, ".repeat(10_000).getBytes(StandardCharsets.UTF_8);
        byte[] gz = gzip(text);
        byte[] head = Arrays.copyOf(gz, gz.length / 2);
        RenderedBody body = new BodyRenderer(MAX_RENDERED_BYTES).render(head, "text/plain", "gzip");
        assertThat(body.decoded()).isTrue();
        assertThat(body.kind()).isEqualTo(RenderedBody.Kind.TEXT);
        assertThat(body.note()).contains("ends early");
        assertThat(new String(body.bytes(), StandardCharsets.UTF_8)).startsWith("hello world, hello");
    }

    @Test
    void deflateZlibAndRawAreBothDecoded() throws IOException {
        byte[] json = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream zlib = new ByteArrayOutputStream();
        try (DeflaterOutputStream d = new DeflaterOutputStream(zlib)) {
            d.write(json);
        }
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        try (DeflaterOutputStream d = new DeflaterOutputStream(raw, new Deflater(6, true))) {
            d.write(json);
        }
        BodyRenderer renderer = new BodyRenderer(MAX_RENDERED_BYTES);
        assertThat(renderer.render(zlib.toByteArray(), "application/json", "deflate").bytes()).isEqualTo(json);
        RenderedBody r = renderer.render(raw.toByteArray(), "application/json", "deflate");
        assertThat(r.bytes()).isEqualTo(json);
        assertThat(r.kind()).isEqualTo(RenderedBody.Kind.JSON);
    }

    @Test
    void brotliIsShownAsNotDecoded() {
        byte[] bytes = {0x1b, 0x02, 0x00, (byte) 0xf8};
        RenderedBody body = new BodyRenderer(MAX_RENDERED_BYTES).render(bytes, "text/html", "br");
        assertThat(body.decoded()).isFalse();
        assertThat(body.note()).contains("'br' is not decoded");
        assertThat(body.kind()).isEqualTo(RenderedBody.Kind.BINARY);
        assertThat(body.bytes()).isEqualTo(bytes);
    }

    @Test
    void garbageGzipFallsBackToRawBytes() {
        byte[] bytes = "not gzip at all".getBytes(StandardCharsets.UTF_8);
        RenderedBody body = new BodyRenderer(MAX_RENDERED_BYTES).render(bytes, "text/plain", "gzip");
        assertThat(body.decoded()).isFalse();
        assertThat(body.note()).contains("Could not decode gzip");
        assertThat(body.bytes()).isEqualTo(bytes);
    }

    @Test
    void tellsTextFromBinary() {
        assertThat(BodyRenderer.kindOf("{\"x\":[1,2]}".getBytes(StandardCharsets.UTF_8), "application/json; charset=utf-8", true))
                .isEqualTo(RenderedBody.Kind.JSON);
        assertThat(BodyRenderer.kindOf("héllo".getBytes(StandardCharsets.UTF_8), null, true))
                .isEqualTo(RenderedBody.Kind.TEXT);
        assertThat(BodyRenderer.kindOf(new byte[]{1, 0, 2}, "text/plain", true)).isEqualTo(RenderedBody.Kind.BINARY);
        assertThat(BodyRenderer.kindOf(new byte[]{(byte) 0x89, 'P', 'N', 'G'}, "image/png", true))
                .isEqualTo(RenderedBody.Kind.BINARY);
    }

    @Test
    void plainBodiesAreCutAtTheRenderBound() {
        byte[] big = new byte[3000];
        Arrays.fill(big, (byte) 'a');
        RenderedBody body = new BodyRenderer(1000).render(big, "text/plain", null);
        assertThat(body.bytes()).hasSize(1000);
        assertThat(body.renderTruncated()).isTrue();
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }
}
