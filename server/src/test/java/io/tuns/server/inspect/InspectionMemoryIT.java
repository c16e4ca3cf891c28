package io.tuns.server.inspect;

import com.sun.net.httpserver.HttpServer;
import io.tuns.server.it.Curl;
import io.tuns.server.it.ForkedTuns;
import io.tuns.server.it.SshClient;
import io.tuns.server.it.TestBackend;
import io.tuns.server.it.TunsFixture;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The failure tuns exists to prevent: inspection must not exhaust memory under hostile traffic. tuns runs in its own
 * JVM with -Xmx256m, the service console on with no per-body limit (-1: only the global budget bounds capture), a
 * viewer attached that never reads, while 100 uploads and downloads of 50 MiB (chunked and fixed length), gzip bombs
 * and an endless SSE stream go through. No OutOfMemoryError, every byte exact, the budget never exceeded, the SSE
 * stream keeps flowing.
 */
class InspectionMemoryIT {

    static final int TRANSFERS = 100;
    static final long SIZE = 50L * 1024 * 1024;
    static final long BUDGET = 48L * 1024 * 1024;
    static final String TOKEN = "memory-it-console-token-0123456789";
    static final int BOMBS = 8;
    static final int CHATTER_REQUESTS = 4000;
    /** The SSE backend ticks every 100 ms; a pause this long means the stream stalled. */
    static final long MAX_SSE_GAP_MILLIS = 10_000;

    @Test
    void hostileTrafficWithAStalledViewerStaysInsideTheBudget() throws Exception {
        Path dir = Files.createTempDirectory("tuns-inspect-mem");
        Path key = TunsFixture.authorisedKeyIn(dir);
        Path upload = dir.resolve("upload.bin");
        String uploadSha = writePattern(upload, SIZE);
        byte[] bomb = gzipBomb();
        String bombSha = sha256(bomb);
        HttpServer bombServer = bombServer(bomb);
        ExecutorService pool = Executors.newFixedThreadPool(TRANSFERS + BOMBS + 1);
        try (TestBackend backend = new TestBackend();
             ForkedTuns tuns = ForkedTuns.start(dir, List.of("-Xmx256m", "-Xms32m"),
                     "--service-console", "--service-console-token=" + TOKEN,
                     "--service-console-max-content-length=-1", "--inspect-max-total-bytes=" + BUDGET,
                     "--inspect-max-bytes-per-tunnel=" + BUDGET, "--bind-random-subdomains=false");
             SshClient ssh = SshClient.start(tuns.sshPort, key, List.of(
                     "-R", "mem:80:127.0.0.1:" + backend.port(),
                     "-R", "bomb:80:127.0.0.1:" + bombServer.getAddress().getPort(), "127.0.0.1"))) {
            ssh.await("HTTP: http://bomb\\.localhost", Duration.ofSeconds(20));
            ssh.await("HTTP: http://mem\\.localhost", Duration.ofSeconds(20));
            int port = tuns.httpPort;

            Socket stalledViewer = stalledViewer(port, "mem.localhost");
            Socket stalledBombViewer = stalledViewer(port, "bomb.localhost");
            SseWatcher sse = new SseWatcher(port, "mem.localhost");
            sse.start();

            List<Future<String>> transfers = new ArrayList<>();
            List<String> expected = new ArrayList<>();
            String base = "http://mem.localhost:" + port;
            for (int i = 0; i < TRANSFERS; i++) {
                boolean chunked = i % 4 < 2;
                if (i % 2 == 0) {
                    long seed = 100 + i;
                    expected.add(TestBackend.sha256OfPattern(SIZE, seed) + " " + SIZE);
                    String url = base + "/bytes?size=" + SIZE + "&seed=" + seed + (chunked ? "&chunked=1" : "");
                    transfers.add(pool.submit(() -> Curl.sha256(url)));
                } else {
                    expected.add(uploadSha + " " + SIZE);
                    List<String> args = new ArrayList<>(List.of("--fail", "--data-binary", "@" + upload,
                            "-H", "Content-Type: application/octet-stream", "-H", "Expect:"));
                    if (chunked) {
                        args.addAll(List.of("-H", "Transfer-Encoding: chunked"));
                    }
                    args.add(base + "/sha256");
                    transfers.add(pool.submit(() -> Curl.run(args.toArray(String[]::new)).out().trim()));
                }
            }
            // Thousands of small requests with long paths: enough live events to fill the stalled viewer's socket.
            Future<?> chatter = pool.submit(() -> Curl.run("-o", "/dev/null",
                    base + "/" + "p".repeat(1500) + "/[1-" + CHATTER_REQUESTS + "]"));
            for (int i = 0; i < BOMBS; i++) {
                expected.add(bombSha + " " + bomb.length);
                transfers.add(pool.submit(() -> Curl.sha256("http://bomb.localhost:" + port + "/bomb")));
            }

            AtomicLong peakCaptured = new AtomicLong();
            AtomicLong peakHeap = new AtomicLong();
            long rendersAsked = 0;
            while (transfers.stream().anyMatch(f -> !f.isDone())) {
                assertThat(tuns.process.isAlive()).as("tuns alive; log:\n" + tail(tuns.log)).isTrue();
                String metrics = metrics(port);
                long inUse = metric(metrics, "sish_inspect_bytes_in_use");
                assertThat(inUse).as("captured bytes never above the budget").isLessThanOrEqualTo(BUDGET);
                peakCaptured.accumulateAndGet(inUse, Math::max);
                peakHeap.accumulateAndGet(metric(metrics, "jvm_memory_used_bytes{area=\"heap\"}"), Math::max);
                if (rendersAsked++ % 4 == 0) {
                    askForBombRender(port); // a viewer decoding a bomb while the traffic runs
                }
                Thread.sleep(500);
            }
            chatter.get();
            // Every transfer is byte-exact, or refused before it started with the memory governor's 503 (issue
            // #18: when the budget is near full new channels are refused, never corrupted).
            int refused = 0;
            for (int i = 0; i < transfers.size(); i++) {
                String got = transfers.get(i).get();
                if (got.contains("returned error: 503")) {
                    refused++;
                } else {
                    assertThat(got).as("transfer " + i).isEqualTo(expected.get(i));
                }
            }
            System.out.printf("InspectionMemoryIT: %d of %d transfers exact, %d refused by the memory governor%n",
                    transfers.size() - refused, transfers.size(), refused);
            assertThat(transfers.size() - refused).as("transfers byte-exact").isGreaterThanOrEqualTo(transfers.size() / 4);

            // While the transfers were open their captures could hold the whole budget (nothing evictable), so
            // bombs captured then may be empty; a bomb captured now (room, or completed exchanges to evict) is
            // opened by a viewer: a capped preview.
            assertThat(Curl.sha256("http://bomb.localhost:" + port + "/bomb")).isEqualTo(bombSha + " " + bomb.length);
            String render = askForBombRender(port);
            assertThat(render).contains("\"decoded\":true").contains("\"renderTruncated\":true")
                    .contains("\"renderedBytes\":1048576");

            sse.stop();
            assertThat(sse.ticks.get()).as("SSE ticks received").isGreaterThan(20);
            assertThat(sse.maxGapMillis.get()).as("longest SSE pause (ms)").isLessThan(MAX_SSE_GAP_MILLIS);

            String metrics = metrics(port);
            assertThat(metric(metrics, "sish_console_events_dropped_total")).as("stalled viewer's events dropped")
                    .isPositive();
            assertThat(metric(metrics, "sish_inspect_bytes_in_use")).isLessThanOrEqualTo(BUDGET);
            assertThat(tuns.process.isAlive()).isTrue();
            assertThat(Files.readString(tuns.log)).doesNotContain("OutOfMemoryError");
            System.out.printf("inspection memory: peak captured %d MiB of %d MiB, peak heap %d MiB, RSS %d MiB,"
                            + " SSE ticks %d (longest pause %d ms), evicted %d%n", peakCaptured.get() >> 20, BUDGET >> 20,
                    peakHeap.get() >> 20, tuns.rssBytes() >> 20, sse.ticks.get(), sse.maxGapMillis.get(),
                    metric(metrics, "sish_inspect_evicted_total"));
            stalledViewer.close();
            stalledBombViewer.close();
        } finally {
            pool.shutdownNow();
            bombServer.stop(0);
        }
    }

    /** Opens the live stream and never reads from it again. */
    static Socket stalledViewer(int port, String host) throws Exception {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.connect(new InetSocketAddress("127.0.0.1", port));
        OutputStream out = s.getOutputStream();
        out.write(("GET /_sish/api/events HTTP/1.1\r\nHost: " + host + "\r\nx-authorization: " + TOKEN
                + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return s;
    }

    static String askForBombRender(int port) throws Exception {
        Curl.Result list = Curl.run("-H", "x-authorization: " + TOKEN,
                "http://bomb.localhost:" + port + "/_sish/api/exchanges?status=200");
        Matcher m = Pattern.compile("\"id\":(\\d+)").matcher(list.out());
        if (!m.find()) {
            return "";
        }
        return Curl.run("-H", "x-authorization: " + TOKEN,
                "http://bomb.localhost:" + port + "/_sish/api/exchanges/" + m.group(1) + "/body/response").out()
                .replaceAll("\"base64\":\"[^\"]*\"", "\"base64\":\"…\"");
    }

    static String metrics(int port) throws Exception {
        return Curl.run("-H", "Host: localhost", "http://127.0.0.1:" + port + "/_sish/metrics").out();
    }

    static long metric(String text, String series) {
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) {
                return (long) Double.parseDouble(line.substring(series.length() + 1).trim().split(" ")[0]);
            }
        }
        return -1;
    }

    /** About 1 MiB of gzip inflating to 1 GiB of zeros. */
    static byte[] gzipBomb() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16) {
            { def.setLevel(Deflater.BEST_COMPRESSION); }
        }) {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 1024; i++) {
                gz.write(zeros);
            }
        }
        return out.toByteArray();
    }

    static HttpServer bombServer(byte[] bomb) throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        s.setExecutor(Executors.newFixedThreadPool(BOMBS));
        s.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            ex.getResponseHeaders().set("Content-Type", "text/plain");
            ex.getResponseHeaders().set("Content-Encoding", "gzip");
            ex.sendResponseHeaders(200, bomb.length);
            ex.getResponseBody().write(bomb);
            ex.close();
        });
        s.start();
        return s;
    }

    static String writePattern(Path file, long size) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long off = 0; off < size; off += 65536) {
                byte[] chunk = TestBackend.pattern(off, (int) Math.min(65536, size - off), 7);
                sha.update(chunk);
                out.write(chunk);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static String tail(Path log) throws Exception {
        String s = Files.readString(log);
        return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    }

    /** Reads the endless SSE stream through the tunnel and records the longest pause between ticks. */
    static final class SseWatcher {
        final AtomicLong ticks = new AtomicLong();
        final AtomicLong maxGapMillis = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;
        private Socket socket;

        SseWatcher(int port, String host) {
            thread = new Thread(() -> {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    socket = s;
                    s.getOutputStream().write(("GET /sse HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    InputStream in = s.getInputStream();
                    byte[] buf = new byte[8192];
                    long last = System.currentTimeMillis();
                    int n;
                    while (running.get() && (n = in.read(buf)) > 0) {
                        String chunk = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
                        int found = chunk.split("data: tick", -1).length - 1;
                        if (found > 0) {
                            long now = System.currentTimeMillis();
                            if (ticks.get() > 0) {
                                maxGapMillis.accumulateAndGet(now - last, Math::max);
                            }
                            last = now;
                            ticks.addAndGet(found);
                        }
                    }
                } catch (Exception e) {
                    if (running.get()) {
                        maxGapMillis.set(Long.MAX_VALUE); // the stream broke
                    }
                }
            }, "sse-watcher");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        void stop() throws Exception {
            running.set(false);
            if (socket != null) {
                socket.close();
            }
            thread.join(5000);
        }
    }
}
