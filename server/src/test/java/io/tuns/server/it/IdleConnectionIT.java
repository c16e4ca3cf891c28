package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue #14 item 6: --idle-connection cuts silent TCP and alias streams too (sish applies it to every proxied
 * stream), not only HTTP. The service accepts and then says nothing; the public side must be closed by tuns.
 */
class IdleConnectionIT {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void silentTcpAndAliasStreamsAreClosedAfterTheIdleTimeout() throws Exception {
        List<Socket> held = new ArrayList<>();
        try (TunsFixture tuns = TunsFixture.start("--idle-connection", "--idle-connection-timeout=1s");
             ServerSocket silent = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept()); // holds each connection open and sends nothing
                    }
                } catch (Exception closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            SshClient owner = tuns.ssh("-R", "0:127.0.0.1:" + silent.getLocalPort(),
                    "-R", "quiet:22:127.0.0.1:" + silent.getLocalPort(), "127.0.0.1");
            int port = Integer.parseInt(owner.await("Allocated port (\\d+) for remote forward", Duration.ofSeconds(15)));
            owner.await("TCP Alias: quiet:22", Duration.ofSeconds(15));

            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
                client.setSoTimeout(8_000);
                long start = System.nanoTime();
                InputStream in = client.getInputStream();
                assertThat(in.read()).as("tuns closes the silent TCP connection").isEqualTo(-1);
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertThat(ms).isBetween(800L, 5_000L);
            }

            SshClient viaAlias = tuns.ssh("-W", "quiet:22", "127.0.0.1");
            assertThat(viaAlias.process().waitFor(8, TimeUnit.SECONDS)).as("the silent alias stream is closed: "
                    + viaAlias.output()).isTrue();
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
