package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import io.tuns.server.tunnel.Tunnel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Browsers abandon downloads all the time (a closed tab, a cancelled video). Each abandoned download ends its SSH
 * channel while tuns is still returning window for bytes it had written; an adjustment that left after our
 * CHANNEL_CLOSE landed on the next channel OpenSSH opened under the reused number, OpenSSH then sent more than we had
 * granted, and MINA closed the whole SSH connection: every tunnel of that user gone. Real OpenSSH, real sockets.
 */
@Timeout(120)
class AbandonedDownloadIT {

    static final String HOST = "dl.localhost";

    static TunsFixture tuns;
    static TestBackend backend;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        tuns = TunsFixture.start();
        backend = new TestBackend();
        base = tuns.ssh("-R", "dl:80:127.0.0.1:" + backend.port(), "127.0.0.1").httpUrl();
        await().atMost(Duration.ofSeconds(15)).until(() -> tuns.server.registry().httpTunnel(HOST).isPresent());
    }

    @AfterAll
    static void stop() throws Exception {
        tuns.close();
        backend.close();
    }

    @Test
    void abandonedDownloadsNeverCloseTheSshConnection() throws Exception {
        Tunnel before = tuns.server.registry().httpTunnel(HOST).orElseThrow();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 25; round++) {
                List<Future<Integer>> downloads = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    int readBeforeAbandon = 16_384 + 40_000 * i;
                    downloads.add(pool.submit(() -> abandonAfter(readBeforeAbandon)));
                }
                for (Future<Integer> d : downloads) {
                    assertThat(d.get()).as("bytes read before abandoning").isPositive();
                }
            }
        } finally {
            pool.shutdownNow();
        }
        // the same SSH connection still holds the tunnel: nothing closed it
        assertThat(tuns.server.registry().httpTunnel(HOST)).containsSame(before);
        long size = 4 << 20;
        assertThat(Curl.sha256(base + "/bytes?size=" + size + "&seed=5"))
                .isEqualTo(TestBackend.sha256OfPattern(size, 5) + " " + size);
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() ->
                assertThat(TunnelInvariant.channelsOpen(tuns)).as("sish_forwarded_channels_open").isZero());
    }

    /** Starts an 8 MiB download, reads {@code n} bytes and closes the socket with the rest unread (an RST). */
    private static int abandonAfter(int n) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", tuns.server.httpPort()), 5000);
            s.setSoTimeout(10_000);
            s.setSoLinger(true, 0);
            OutputStream out = s.getOutputStream();
            out.write(("GET /bytes?size=" + (8 << 20) + " HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            int total = 0;
            while (total < n) {
                int r = in.read(buf);
                if (r < 0) {
                    break;
                }
                total += r;
            }
            return total;
        }
    }
}
