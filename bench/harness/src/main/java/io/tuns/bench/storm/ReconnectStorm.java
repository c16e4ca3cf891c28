package io.tuns.bench.storm;

import io.tuns.bench.TunnelClients;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;

/**
 * A reconnect storm: N tunnel clients ({@code t<i>:80}, one SSH connection each, as {@code ssh -N -R}) that all
 * reconnect at the same moment after the server restarts, as N laptops running a reconnect loop would.
 *
 * <p>Usage: {@code ReconnectStorm HOST PORT KEY BACKEND_PORT N}. Opens N tunnels (32 handshakes at a time) and
 * prints {@code held N seconds failures}; then waits until every connection has been closed by the server (the
 * driving script restarts it) and prints {@code down N}; then waits for a line on stdin, and on it lets all N
 * clients reconnect at once. A client whose attempt fails retries after 1 s (as a reconnect loop would), for up
 * to 180 s. Prints {@code back N seconds attempts p50 p99 max} (seconds from the go line until each client's
 * forward was accepted) and holds the tunnels until stdin closes.
 */
public final class ReconnectStorm {

    private static final Duration STEP = Duration.ofSeconds(60);
    private static final long GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(180);

    private ReconnectStorm() {
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int backendPort = Integer.parseInt(args[3]);
        int n = Integer.parseInt(args[4]);

        SshClient client = TunnelClients.start(Path.of(args[2]));
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

        // 1. hold N tunnels
        ExecutorService pool = Executors.newFixedThreadPool(32);
        long t0 = System.nanoTime();
        List<Future<ClientSession>> opening = new ArrayList<>();
        AtomicInteger failures = new AtomicInteger();
        for (int i = 0; i < n; i++) {
            int id = i;
            opening.add(pool.submit(() -> {
                try {
                    return TunnelClients.open(client, host, port, id, backendPort, STEP);
                } catch (Exception e) {
                    if (failures.incrementAndGet() <= 3) {
                        System.err.println("reconnect-storm: t" + id + " failed: " + e);
                    }
                    return null;
                }
            }));
        }
        List<ClientSession> held = new ArrayList<>();
        for (Future<ClientSession> f : opening) {
            ClientSession s = f.get();
            if (s != null) {
                held.add(s);
            }
        }
        pool.shutdown();
        System.out.printf("held %d %.3f %d%n", held.size(), (System.nanoTime() - t0) / 1e9, failures.get());
        System.out.flush();

        // 2. the server goes away
        for (ClientSession s : held) {
            s.waitFor(java.util.EnumSet.of(ClientSession.ClientSessionEvent.CLOSED), TimeUnit.SECONDS.toMillis(300));
        }
        System.out.printf("down %d%n", held.stream().filter(ClientSession::isClosed).count());
        System.out.flush();
        if (stdin.readLine() == null) {
            return;
        }

        // 3. everyone back at once
        ExecutorService storm = Executors.newFixedThreadPool(n);
        CountDownLatch gate = new CountDownLatch(1);
        AtomicInteger attempts = new AtomicInteger();
        List<Future<Long>> back = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int id = i;
            back.add(storm.submit(() -> {
                gate.await();
                long start = System.nanoTime();
                while (System.nanoTime() - start < GIVE_UP_NANOS) {
                    attempts.incrementAndGet();
                    try {
                        TunnelClients.open(client, host, port, id, backendPort, STEP);
                        return System.nanoTime() - start;
                    } catch (Exception e) {
                        if (attempts.get() - id <= 3 && id < 3) {
                            System.err.println("reconnect-storm: t" + id + " attempt failed: " + e);
                        }
                        Thread.sleep(1000);
                    }
                }
                return -1L;
            }));
        }
        long go = System.nanoTime();
        gate.countDown();
        List<Long> times = new ArrayList<>();
        int lost = 0;
        for (Future<Long> f : back) {
            long t = f.get();
            if (t < 0) {
                lost++;
            } else {
                times.add(t);
            }
        }
        double all = (System.nanoTime() - go) / 1e9;
        long[] sorted = times.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf("back %d %.3f %d %.3f %.3f %.3f lost %d%n", sorted.length, all, attempts.get(),
                pct(sorted, 50), pct(sorted, 99), sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e9, lost);
        System.out.flush();
        while (stdin.readLine() != null) {
            // hold until the script closes our stdin
        }
        storm.shutdownNow();
        client.stop();
    }

    private static double pct(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1e9;
    }
}
