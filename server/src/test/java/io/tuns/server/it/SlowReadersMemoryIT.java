package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * 20 clients read a large body slowly through one tunnel while tuns runs with a 64 MiB heap. Back-pressure
 * must hold each connection to about one SSH window: no OutOfMemoryError, every byte arrives, heap bounded.
 */
class SlowReadersMemoryIT {

    static final int READERS = 20;
    static final long SIZE = 48L * 1024 * 1024;
    static final long HEAP_MAX = 64L * 1024 * 1024;

    @Test
    void twentySlowReadersUnderSmallHeap() throws Exception {
        Path dir = Files.createTempDirectory("tuns-mem");
        Path key = TunsFixture.authorisedKeyIn(dir);
        try (TestBackend backend = new TestBackend();
             ForkedTuns tuns = ForkedTuns.start(dir, List.of("-Xmx64m", "-Xms16m"));
             SshClient ssh = SshClient.start(tuns.sshPort, key, List.of("-R", "slow:80:127.0.0.1:" + backend.port(),
                     "127.0.0.1"))) {
            ssh.httpUrl();
            String expected = TestBackend.sha256OfPattern(SIZE, 11) + " " + SIZE;
            String url = "http://slow.localhost:" + tuns.httpPort + "/bytes?size=" + SIZE + "&seed=11";
            ExecutorService pool = Executors.newFixedThreadPool(READERS);
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < READERS; i++) {
                results.add(pool.submit(() -> Curl.sha256(url, "--limit-rate", "3M")));
            }
            AtomicLong peakHeap = new AtomicLong();
            AtomicLong peakRss = new AtomicLong();
            while (results.stream().anyMatch(f -> !f.isDone())) {
                assertThat(tuns.process.isAlive()).as("tuns alive; log:\n" + Files.readString(tuns.log)).isTrue();
                peakRss.accumulateAndGet(tuns.rssBytes(), Math::max);
                peakHeap.accumulateAndGet(heapUsed(tuns.httpPort), Math::max);
                Thread.sleep(500);
            }
            for (Future<String> f : results) {
                assertThat(f.get()).isEqualTo(expected);
            }
            pool.shutdown();
            assertThat(tuns.process.isAlive()).isTrue();
            assertThat(Files.readString(tuns.log)).doesNotContain("OutOfMemoryError");
            assertThat(peakHeap.get()).as("peak heap").isPositive().isLessThan(HEAP_MAX);
            System.out.printf("slow readers: peak heap %d MiB, peak RSS %d MiB%n", peakHeap.get() >> 20,
                    peakRss.get() >> 20);
        }
    }

    /** Heap in use as tuns itself reports it on /_sish/metrics. */
    static long heapUsed(int httpPort) throws Exception {
        Curl.Result r = Curl.run("-H", "Host: localhost", "http://127.0.0.1:" + httpPort + "/_sish/metrics");
        Matcher m = Pattern.compile("jvm_memory_used_bytes\\{area=\"heap\"\\} ([0-9.eE+]+)").matcher(r.out());
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }
}
