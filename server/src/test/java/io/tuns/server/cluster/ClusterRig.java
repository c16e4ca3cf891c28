package io.tuns.server.cluster;

import io.tuns.server.it.ForkedTuns;
import io.tuns.server.it.SshClient;
import io.tuns.server.it.TunsFixture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A cluster on one machine, as on three: a real redis-server, three tuns JVMs on 127.0.0.11, .12 and .13 (the same
 * ports on each), and Debian's HAProxy on 127.0.0.1 running the shipped ops/cluster/haproxy.cfg, which sends a
 * PROXY v2 header to every node listener. Short leases ({@link #TTL}) keep failover tests quick.
 */
final class ClusterRig implements AutoCloseable {

    static final Duration TTL = Duration.ofSeconds(3);
    static final Duration DRAIN = Duration.ofSeconds(5);
    static final List<String> HOSTS = List.of("127.0.0.11", "127.0.0.12", "127.0.0.13");
    static final List<String> JVM = List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    final RedisServer redis;
    final Path dir;
    final Path userKey;
    final Path otherKey;
    final int sshPort;
    final int httpPort;
    final int clusterPort;
    final int sshFront;
    final int httpFront;
    final ForkedTuns[] nodes = new ForkedTuns[3];
    private Process haproxy;
    private final List<SshClient> clients = new ArrayList<>();

    private ClusterRig(RedisServer redis, Path dir) throws Exception {
        this.redis = redis;
        this.dir = dir;
        Path pubkeys = Files.createDirectories(dir.resolve("pubkeys"));
        userKey = TunsFixture.keygen(dir, "user");
        otherKey = TunsFixture.keygen(dir, "other");
        Files.copy(Path.of(userKey + ".pub"), pubkeys.resolve("user.pub"));
        Files.copy(Path.of(otherKey + ".pub"), pubkeys.resolve("other.pub"));
        sshPort = ForkedTuns.freePort();
        httpPort = ForkedTuns.freePort();
        clusterPort = ForkedTuns.freePort();
        sshFront = ForkedTuns.freePort();
        httpFront = ForkedTuns.freePort();
    }

    static ClusterRig start() throws Exception {
        ClusterRig rig = new ClusterRig(RedisServer.start(), Files.createTempDirectory("tuns-rig"));
        try {
            rig.nodes[0] = rig.node(0); // first alone: it writes the host key the others share
            CompletableFuture<ForkedTuns> n2 = CompletableFuture.supplyAsync(() -> rig.nodeUnchecked(1));
            CompletableFuture<ForkedTuns> n3 = CompletableFuture.supplyAsync(() -> rig.nodeUnchecked(2));
            rig.nodes[1] = n2.get(60, TimeUnit.SECONDS);
            rig.nodes[2] = n3.get(60, TimeUnit.SECONDS);
            rig.startHaproxy();
            return rig;
        } catch (Exception | Error e) {
            rig.close();
            throw e;
        }
    }

    static String id(int i) {
        return "n" + (i + 1);
    }

    ForkedTuns node(int i) throws Exception {
        String host = HOSTS.get(i);
        return ForkedTuns.startAt(dir, dir.resolve(id(i) + ".log"), JVM, host, sshPort, httpPort,
                "--bind-random-subdomains=false", "--proxy-protocol-listener=true",
                "--cluster-store=" + redis.uri(), "--cluster-node-id=" + id(i),
                "--cluster-listen=" + host + ":" + clusterPort, "--cluster-node-ttl=" + TTL.toMillis() + "ms",
                "--cluster-drain-timeout=" + DRAIN.toMillis() + "ms",
                "--tcp-address=" + host); // TCP ports on the node's own address, as on its own machine
    }

    private ForkedTuns nodeUnchecked(int i) {
        try {
            return node(i);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void startHaproxy() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("haproxy", "-db", "-f", HaproxyConfig.file().toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile());
        pb.environment().putAll(Map.of("TUNS_BIND", "127.0.0.1", "TUNS_N1", HOSTS.get(0), "TUNS_N2", HOSTS.get(1),
                "TUNS_N3", HOSTS.get(2), "TUNS_SSH_FRONT", Integer.toString(sshFront),
                "TUNS_HTTP_FRONT", Integer.toString(httpFront), "TUNS_SSH_PORT", Integer.toString(sshPort),
                "TUNS_HTTP_PORT", Integer.toString(httpPort), "TUNS_CHECK_INTER", "300ms", "TUNS_MAXCONN", "2000"));
        haproxy = pb.start();
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!accepts("127.0.0.1", httpFront) || !accepts("127.0.0.1", sshFront)) {
            if (!haproxy.isAlive() || System.nanoTime() > end) {
                throw new IllegalStateException("haproxy did not start:\n" + Files.readString(dir.resolve("haproxy.log")));
            }
            Thread.sleep(50);
        }
    }

    static boolean accepts(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** ssh straight to node {@code i} (no PROXY header: the nodes' policy "use" takes a connection without one). */
    SshClient sshTo(int i, Path key, String... forward) throws IOException {
        return ssh(sshPort, key, HOSTS.get(i), forward);
    }

    /** ssh through HAProxy: it picks the node. */
    SshClient sshViaHaproxy(Path key, String... forward) throws IOException {
        return ssh(sshFront, key, "127.0.0.1", forward);
    }

    private SshClient ssh(int port, Path key, String host, String... forward) throws IOException {
        List<String> args = new ArrayList<>(List.of("-o", "ServerAliveInterval=1", "-o", "ServerAliveCountMax=10"));
        args.addAll(List.of(forward));
        args.add(host);
        SshClient c = SshClient.start(port, key, args);
        synchronized (clients) {
            clients.add(c);
        }
        return c;
    }

    /** The node holding {@code route} in Redis ("" when none): the store's own record. */
    String holder(String route) throws IOException {
        return redis.bulk("HGET tuns:r:" + route + " node");
    }

    String log(int i) throws IOException {
        return Files.readString(dir.resolve(id(i) + ".log"));
    }

    void signal(int i, String signal) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(nodes[i].process.pid())).start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("kill -" + signal + " failed");
        }
    }

    @Override
    public void close() throws Exception {
        synchronized (clients) {
            for (SshClient c : clients) {
                c.close();
            }
        }
        if (haproxy != null) {
            haproxy.destroy();
            haproxy.waitFor(10, TimeUnit.SECONDS);
        }
        for (int i = 0; i < nodes.length; i++) {
            if (nodes[i] != null) {
                if (nodes[i].process.isAlive()) {
                    signal(i, "CONT"); // a frozen node would never stop
                }
                nodes[i].close();
            }
        }
        redis.close();
    }
}
