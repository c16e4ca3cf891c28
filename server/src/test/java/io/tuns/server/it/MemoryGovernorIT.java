package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The memory governor under hostile load: tuns in its own JVM at -Xmx64m, one real OpenSSH tunnel (to Debian's
 * nginx), and more concurrent downloads (plus a few uploads) than the heap can hold windows for: 40 × a 2 MiB
 * SSH window is 80 MiB. The visitors stop reading for 20 s after the response head, through a 16 KiB socket
 * buffer, so the ssh client fills the windows and the bytes wait in tuns. Each download is 16 MiB because the
 * kernel's send buffer towards even a stalled visitor grows to tcp_wmem's maximum (4 MiB here) first.
 * With the governor every transfer either arrives byte-exact or is refused with a 503 that says why, what tuns
 * holds stays within the budget, tuns stays up, and once the clients have gone every reservation is given back.
 * With {@code --memory-budget=off} the same load makes tuns commit more window than its whole heap (and, on a
 * fast enough machine, die of OutOfMemoryError): the first test's bound is the governor's doing.
 */
class MemoryGovernorIT {

    static final int DOWNLOADS = 32;
    static final int UPLOADS = 8;
    static final long SIZE = 16L * 1024 * 1024;
    static final long HEAP = 64L << 20;
    static final List<String> JVM = List.of("-Xmx64m", "-Xms16m");
    static final String[] FLAGS = {"--ssh-window-size=2MiB", "--max-channels-per-connection=4096",
        "--http-max-client-share=100"};

    /** {@code peakHeld}: the most bytes held for SSH windows and queued writes at once (the budget's books). */
    record Outcome(int exact, int refused, int broken, boolean tunsDied, long peakHeld, String log) {
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void everyTransferIsByteExactOrRefusedWithAReasonAndEveryReservationComesBack() throws Exception {
        Path dir = Files.createTempDirectory("tuns-governor");
        Path key = TunsFixture.authorisedKeyIn(dir);
        String expectedDownload = files(dir);
        try (TestBackend backend = new TestBackend();
             NginxFiles nginx = NginxFiles.serve(dir);
             ForkedTuns tuns = ForkedTuns.start(dir, JVM, FLAGS);
             SshClient ssh = SshClient.start(tuns.sshPort, key, List.of("-R", "dl:80:127.0.0.1:" + nginx.port,
                     "-R", "up:80:127.0.0.1:" + backend.port(), "127.0.0.1"))) {
            ssh.httpUrl();
            String startLog = Files.readString(tuns.log);
            startLog.lines().filter(l -> l.contains("event=memory_")).forEach(System.out::println);
            assertThat(startLog).contains("event=memory_budget heap=").contains("worst_case=");
            assertThat(startLog).as("the flags allow more than the budget: the start says which to lower")
                    .contains("event=memory_bounds").contains("--max-forwarded-channels or --ssh-window-size");

            Outcome o = hostileLoad(dir, tuns, expectedDownload);
            System.out.printf("governor on: %d exact, %d refused (503), %d broken, died=%s%n", o.exact(), o.refused(),
                    o.broken(), o.tunsDied());
            assertThat(o.tunsDied()).as("tuns stayed up; log:\n" + o.log()).isFalse();
            assertThat(o.log()).doesNotContain("OutOfMemoryError").doesNotContain("NullPointerException");
            assertThat(o.broken()).as("no transfer cut off or corrupted").isZero();
            assertThat(o.exact()).as("transfers went on, slower").isGreaterThanOrEqualTo(4);
            assertThat(o.peakHeld()).as("windows and queues held within half the heap (off: more than all of it)")
                    .isLessThanOrEqualTo(HEAP / 2);
            assertThat(o.peakHeld()).as("windows and queues held within the budget")
                    .isLessThanOrEqualTo(value(metrics(tuns.httpPort), "sish_memory_budget_bytes"));
            assertThat(o.exact() + o.refused()).isEqualTo(DOWNLOADS + UPLOADS);
            assertThat(ssh.process().isAlive()).as("the busy ssh connection was not taken for a dead one").isTrue();
            assertThat(o.log()).doesNotContain("client_unresponsive");

            // every reservation is given back once the clients have left
            Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                String m = metrics(tuns.httpPort);
                assertThat(value(m, "sish_forwarded_channels_open")).isZero();
                assertThat(value(m, "sish_memory_budget_in_use_bytes{kind=\"ssh_window\"}")).isZero();
                assertThat(value(m, "sish_memory_budget_in_use_bytes{kind=\"queued_writes\"}")).isZero();
            });
            String m = metrics(tuns.httpPort);
            assertThat(value(m, "sish_memory_budget_bytes")).isPositive();
            if (o.refused() > 0) {
                assertThat(value(m, "sish_memory_budget_refusals_total{kind=\"ssh_window\"}")).isPositive();
            }
        }
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void theSameLoadWithoutTheGovernorFails() throws Exception {
        Path dir = Files.createTempDirectory("tuns-governor-off");
        Path key = TunsFixture.authorisedKeyIn(dir);
        List<String> flags = new ArrayList<>(List.of(FLAGS));
        flags.add("--memory-budget=off");
        String expectedDownload = files(dir);
        try (TestBackend backend = new TestBackend();
             NginxFiles nginx = NginxFiles.serve(dir);
             ForkedTuns tuns = ForkedTuns.start(dir, JVM, flags.toArray(String[]::new));
             SshClient ssh = SshClient.start(tuns.sshPort, key, List.of("-R", "dl:80:127.0.0.1:" + nginx.port,
                     "-R", "up:80:127.0.0.1:" + backend.port(), "127.0.0.1"))) {
            ssh.httpUrl();
            assertThat(Files.readString(tuns.log)).contains("--memory-budget=off and the configured bounds allow");
            Outcome o = hostileLoad(dir, tuns, expectedDownload);
            System.out.printf("governor off: %d exact, %d refused (503), %d broken, died=%s%n", o.exact(),
                    o.refused(), o.broken(), o.tunsDied());
            // The kernel's socket buffers absorb part of the load, so whether the JVM dies here depends on the
            // machine's speed; what cannot depend on it: tuns granted more window than its whole heap.
            assertThat(o.tunsDied() || o.broken() > 0 || o.peakHeld() > HEAP)
                    .as("without the governor tuns commits more than its heap (or dies, or breaks a transfer)").isTrue();
        }
    }

    /**
     * Downloads by visitors that stall, then read ({@link SlowVisitor}), and uploads with curl; each checked by
     * SHA-256.
     */
    private static Outcome hostileLoad(Path dir, ForkedTuns tuns, String expectedDownload) throws Exception {
        Path upload = dir.resolve("www/big");
        String expectedUpload = expectedDownload + " " + SIZE;
        String base = "http://up.localhost:" + tuns.httpPort;
        ExecutorService pool = Executors.newFixedThreadPool(DOWNLOADS + UPLOADS);
        List<Future<String>> results = new ArrayList<>();
        for (int i = 0; i < UPLOADS; i++) {
            Path head = dir.resolve("head." + i);
            String curl = "curl -sS --max-time 240 -D " + head + " -H 'Expect:' -T " + upload + " " + base + "/sha256";
            results.add(pool.submit(() -> {
                Process p = new ProcessBuilder("bash", "-c", curl).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                p.waitFor();
                String status = Files.exists(head) ? Files.readString(head).split("\r?\n", 2)[0] : "no response";
                if (status.contains(" 503")) {
                    return out.contains("short of memory") && out.contains("--memory-budget") ? "refused"
                            : "503 without the reason: " + out;
                }
                return out.equals(expectedUpload) && status.contains(" 200") ? "exact" : "broken: " + status + " " + out;
            }));
        }
        for (int i = 0; i < DOWNLOADS; i++) {
            results.add(pool.submit(() -> SlowVisitor.get(tuns.httpPort, "dl.localhost", "/big", expectedDownload)));
        }
        AtomicLong peakRss = new AtomicLong();
        AtomicLong peakHeap = new AtomicLong();
        AtomicLong peakChannels = new AtomicLong();
        AtomicLong peakHeld = new AtomicLong();
        boolean died = false;
        while (results.stream().anyMatch(f -> !f.isDone())) {
            if (!tuns.process.isAlive()) {
                died = true;
                break;
            }
            peakRss.accumulateAndGet(tuns.rssBytes(), Math::max);
            String m = metrics(tuns.httpPort);
            peakHeap.accumulateAndGet(value(m, "jvm_memory_used_bytes{area=\"heap\"}"), Math::max);
            peakChannels.accumulateAndGet(value(m, "sish_forwarded_channels_open"), Math::max);
            peakHeld.accumulateAndGet(value(m, "sish_memory_budget_in_use_bytes{kind=\"ssh_window\"}")
                    + value(m, "sish_memory_budget_in_use_bytes{kind=\"queued_writes\"}"), Math::max);
            Thread.sleep(500);
        }
        died |= !tuns.process.isAlive();
        int exact = 0;
        int refused = 0;
        int broken = 0;
        for (Future<String> f : results) {
            String r = f.get(5, TimeUnit.MINUTES);
            if (r.equals("exact")) {
                exact++;
            } else if (r.equals("refused")) {
                refused++;
            } else {
                broken++;
                if (broken <= 3) {
                    System.out.println("transfer: " + r);
                }
            }
        }
        pool.shutdown();
        System.out.printf("peak RSS %d MiB, peak heap used %d MiB, peak held %d MiB, peak channels %d at %s%n",
                peakRss.get() >> 20, peakHeap.get() >> 20, peakHeld.get() >> 20, peakChannels.get(), JVM);
        return new Outcome(exact, refused, broken, died, peakHeld.get(), Files.readString(tuns.log));
    }

    /** The file nginx serves (and curl uploads): random bytes; returns their SHA-256. */
    private static String files(Path dir) throws Exception {
        Files.createDirectories(dir.resolve("www"));
        byte[] b = new byte[(int) SIZE];
        new java.util.Random(5).nextBytes(b);
        Files.write(dir.resolve("www/big"), b);
        return sha256(dir.resolve("www/big"));
    }

    private static String sha256(Path file) throws Exception {
        java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(file)) {
            byte[] b = new byte[1 << 16];
            int n;
            while ((n = in.read(b)) > 0) {
                d.update(b, 0, n);
            }
        }
        return java.util.HexFormat.of().formatHex(d.digest());
    }

    static String metrics(int httpPort) throws Exception {
        return Curl.run("-H", "Host: localhost", "http://127.0.0.1:" + httpPort + "/_sish/metrics").out();
    }

    /** A sample's value; -1 when the series is absent. */
    static long value(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(metrics);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : -1;
    }
}
