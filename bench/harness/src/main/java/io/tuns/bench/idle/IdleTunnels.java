package io.tuns.bench.idle;

import io.tuns.bench.TunnelClients;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;

/**
 * Holds many idle tunnels open against one tuns server, the way many laptops running {@code ssh -N -R name:80:…}
 * would: one SSH connection and one HTTP forward ({@code t<i>:80}) each, answered by a local backend.
 *
 * <p>Usage: {@code IdleTunnels HOST PORT KEY BACKEND_PORT CONCURRENCY N1 [N2 …]}. For each stage it grows the number
 * of held tunnels to N, prints {@code stage N seconds failures}, then waits for a line on stdin (the driving script
 * measures the server meanwhile) before the next stage; after the last it holds until stdin closes.
 */
public final class IdleTunnels {

    private IdleTunnels() {
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int backendPort = Integer.parseInt(args[3]);
        int concurrency = Integer.parseInt(args[4]);

        SshClient client = TunnelClients.start(Path.of(args[2]));

        List<ClientSession> held = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (int s = 5; s < args.length; s++) {
            int target = Integer.parseInt(args[s]);
            AtomicInteger failures = new AtomicInteger();
            long t0 = System.nanoTime();
            List<Future<ClientSession>> opening = new ArrayList<>();
            for (int i = held.size(); i < target; i++) {
                int n = i;
                opening.add(pool.submit(() -> open(client, host, port, n, backendPort, failures)));
            }
            for (Future<ClientSession> f : opening) {
                ClientSession session = f.get();
                if (session != null) {
                    held.add(session);
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("stage %d %.3f %d%n", held.size(), seconds, failures.get());
            System.out.flush();
            if (stdin.readLine() == null) {
                break;
            }
        }
        while (stdin.readLine() != null) {
            // hold until the script closes our stdin
        }
        pool.shutdownNow();
        client.stop();
    }

    private static ClientSession open(SshClient client, String host, int port, int n, int backendPort,
            AtomicInteger failures) {
        try {
            return TunnelClients.open(client, host, port, n, backendPort, Duration.ofSeconds(60));
        } catch (Exception e) {
            if (failures.incrementAndGet() <= 5) {
                System.err.println("idle-tunnels: tunnel t" + n + " failed: " + e);
            }
            return null;
        }
    }
}
