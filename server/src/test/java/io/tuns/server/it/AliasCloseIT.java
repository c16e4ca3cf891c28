package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tuns.server.memory.MemoryBudget;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A same-node alias ({@code ssh -R name:port:…} and {@code ssh -W name:port}) whose one side closes right after its
 * last bytes while the other side reads slowly: every byte still queued in tuns reaches the slow side before the
 * close, and EOF travels as EOF. Real OpenSSH at both ends; the slow side is a Java reader with pauses.
 * <p>
 * The close comes right behind the data only once OpenSSH has both directions done, so in each test the other
 * direction is ended first (the requester's stdin is empty, or the owner's service half-closes at once).
 */
class AliasCloseIT {

    private static final int SIZE = 12 * 1024 * 1024; // several windows (2 MiB each) beyond what OpenSSH buffers
    /** {@code --alias-drain-timeout} of the stall test's server: short, so the test does not wait 30 s. */
    private static final Duration STALL = Duration.ofSeconds(3);

    static TunsFixture tuns;

    @BeforeAll
    static void start() throws Exception {
        tuns = TunsFixture.start();
    }

    @AfterAll
    static void stop() throws Exception {
        tuns.close();
    }

    /**
     * After each exchange: no forwarded channel left and no window or queued bytes held. The alias's own window
     * reservation comes back only when its requester → owner lane has ended, i.e. after the alias channel closed.
     */
    @AfterEach
    void channelsBackToZero() {
        backToZero(tuns);
    }

    private static void backToZero(TunsFixture tuns) {
        MemoryBudget memory = tuns.server.memory();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(TunnelInvariant.channelsOpen(tuns)).as("sish_forwarded_channels_open").isZero();
            assertThat(memory.inUse(MemoryBudget.Kind.SSH_WINDOW)).as("windows reserved").isZero();
            assertThat(memory.inUse(MemoryBudget.Kind.QUEUED_WRITES)).as("queued bytes").isZero();
        });
        assertThat(memory.accountingErrors()).isZero();
    }

    /** The owner's service writes everything and closes at once; the requester (stdin empty) reads slowly. */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void ownerClosingRightAfterItsLastBytesLosesNoneToASlowRequester() throws Exception {
        byte[] data = pattern(SIZE, 21);
        try (ServerSocket service = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> served = writeAllAndClose(service, data);
            SshClient owner = tuns.ssh("-R", "dl:4000:127.0.0.1:" + service.getLocalPort(), "127.0.0.1");
            owner.await("TCP Alias: dl:4000", Duration.ofSeconds(15));

            Path err = Files.createTempFile(tuns.dir, "w", ".err");
            Process w = requester("dl:4000", err);
            w.getOutputStream().close(); // stdin ended: ssh -W sends EOF, so the owner's ssh closes after its data
            String got = slowSha256(w.getInputStream(), 64 * 1024, 10);
            assertThat(w.waitFor(30, TimeUnit.SECONDS)).as("ssh -W exits").isTrue();
            served.get(10, TimeUnit.SECONDS);
            assertThat(got).as("what the requester read; ssh said: " + Files.readString(err))
                    .isEqualTo(sha256(data) + " " + data.length);
            owner.close();
        }
    }

    /**
     * The owner's service half-closes at once and reads slowly; the requester, through {@code ssh -L}, writes
     * everything and half-closes. (Not {@code ssh -W}: OpenSSH's stdio forward stops reading its stdin when EOF
     * arrives, so what it sends after the owner's EOF depends on timing; {@code -L} sends all it reads.)
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void requesterClosingRightAfterItsLastBytesLosesNoneToASlowOwner() throws Exception {
        byte[] data = pattern(SIZE, 22);
        try (ServerSocket service = new ServerSocket()) {
            // a small receive buffer: the bytes wait in tuns, not in the kernel (loopback buffers grow to MiBs)
            service.setReceiveBufferSize(32 * 1024);
            service.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
                try (Socket s = service.accept()) {
                    s.shutdownOutput(); // EOF to the requester first: its ssh then closes right after its data
                    return slowSha256(s.getInputStream(), 64 * 1024, 20);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            SshClient owner = tuns.ssh("-R", "ul:4001:127.0.0.1:" + service.getLocalPort(), "127.0.0.1");
            owner.await("TCP Alias: ul:4001", Duration.ofSeconds(15));
            int local = TcpAndAliasIT.freePort();
            SshClient forwarder = tuns.ssh("-N", "-L", local + ":ul:4001", "127.0.0.1");

            // ssh -L listens a moment after it starts
            Socket c = await().atMost(Duration.ofSeconds(15)).ignoreExceptions()
                    .until(() -> new Socket("127.0.0.1", local), s -> true);
            try (c) {
                c.setSoTimeout(30_000);
                c.getOutputStream().write(data);
                c.shutdownOutput(); // ssh -L sends the rest, EOF and, both ways done, CLOSE right behind
                assertThat(c.getInputStream().readAllBytes()).as("the owner sent nothing, then EOF").isEmpty();
            }
            assertThat(received.get(60, TimeUnit.SECONDS)).as("what the owner's service read")
                    .isEqualTo(sha256(data) + " " + data.length);
            forwarder.close();
            owner.close();
        }
    }

    /**
     * A requester that stops reading while the owner's service has written everything and closed: its ssh returns
     * no more window, so the bytes queued in tuns cannot move, and the close is cut after
     * {@code --alias-drain-timeout} ({@link #STALL} on a server of its own here; 30 s by default) without a write;
     * the requester's ssh then hears the close (after the bytes it had taken) and exits. Sizes: that server grants
     * the owner's channel a 16 MiB window, so the owner's ssh hands tuns all 8 MiB and then its close; OpenSSH's -W
     * window (2 MiB) keeps most of them queued in tuns. (With the owner's window smaller than the data, the owner's
     * ssh holds its close behind bytes it cannot send, and nothing is ever cut.)
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aRequesterThatStopsReadingHasTheCloseCutAfterTheStall() throws Exception {
        byte[] data = pattern(8 * 1024 * 1024, 23);
        try (TunsFixture quick = TunsFixture.start("--alias-drain-timeout=" + STALL.toMillis() + "ms",
                "--ssh-window-size=16MiB");
             ServerSocket service = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> served = writeAllAndClose(service, data);
            SshClient owner = quick.ssh("-R", "st:4002:127.0.0.1:" + service.getLocalPort(), "127.0.0.1");
            owner.await("TCP Alias: st:4002", Duration.ofSeconds(15));

            Path err = Files.createTempFile(quick.dir, "w", ".err");
            Process w = requester(quick, "st:4002", err);
            w.getOutputStream().close();
            InputStream in = w.getInputStream();
            byte[] first = in.readNBytes(64 * 1024); // the alias is open and bytes flow; now nobody reads
            assertThat(first).isEqualTo(java.util.Arrays.copyOf(data, first.length));
            served.get(30, TimeUnit.SECONDS); // every byte left the service: the owner's ssh closes behind them
            // past the stall: without the cut (or with the 30 s default), reading now would still get every byte,
            // since the queued ones would move again
            Thread.sleep(STALL.toMillis() + 5_000);
            byte[] rest = in.readAllBytes();
            assertThat(w.waitFor(30, TimeUnit.SECONDS)).as("ssh -W exits: the close reached it").isTrue();
            long total = first.length + rest.length;
            assertThat(total).as("the requester got part of the bytes, then the close").isLessThan(data.length)
                    .isGreaterThan(first.length);
            owner.close();
            backToZero(quick);
        }
    }

    /** {@code ssh -W target}: binary stdout for the test, stderr to a file. */
    private static Process requester(String target, Path err) throws Exception {
        return requester(tuns, target, err);
    }

    private static Process requester(TunsFixture at, String target, Path err) throws Exception {
        return new ProcessBuilder(List.of("/usr/bin/ssh", "-p", String.valueOf(at.server.sshPort()),
                "-i", at.userKey.toString(), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR", "-W", target, "127.0.0.1"))
                .redirectError(err.toFile()).start();
    }

    /** Reads to EOF in {@code chunk}s with a pause after each: a reader much slower than loopback. */
    static String slowSha256(InputStream in, int chunk, long pauseMillis) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[chunk];
            long total = 0;
            int n;
            while ((n = in.readNBytes(buf, 0, chunk)) > 0) {
                md.update(buf, 0, n);
                total += n;
                Thread.sleep(pauseMillis);
            }
            return HexFormat.of().formatHex(md.digest()) + " " + total;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] pattern(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** The owner's service: takes one connection, writes every byte and closes right after the last. */
    private static CompletableFuture<Void> writeAllAndClose(ServerSocket service, byte[] data) {
        return CompletableFuture.runAsync(() -> {
            try (Socket s = service.accept()) {
                s.getOutputStream().write(data);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
