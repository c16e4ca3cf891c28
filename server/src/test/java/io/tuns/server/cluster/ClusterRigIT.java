package io.tuns.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tuns.server.it.Curl;
import io.tuns.server.it.SshClient;
import io.tuns.server.it.TestBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Three tuns JVMs on 127.0.0.11–13 behind Debian's HAProxy (the shipped config) on one real redis-server, with
 * real OpenSSH clients and curl: routing through HAProxy and through every entry node to a tunnel on every node,
 * byte-exact; two keys racing for one name through different nodes; Redis stopped and restarted empty; a frozen
 * node resumed after its lease lapsed; a node killed with SIGKILL. The failure cases run last, in order, on the
 * same rig (a restarted JVM would cost more time than the cases themselves).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterRigIT {

    static ClusterRig rig;
    static TestBackend service;

    @BeforeAll
    static void start() throws Exception {
        rig = ClusterRig.start();
        service = new TestBackend();
    }

    @AfterAll
    static void stop() throws Exception {
        if (rig != null) {
            rig.close();
        }
        if (service != null) {
            service.close();
        }
    }

    /** ssh -R name:80:service to node {@code i}, waiting for its URL. */
    static SshClient tunnel(int i, Path key, String name) throws Exception {
        SshClient c = rig.sshTo(i, key, "-R", name + ":80:127.0.0.1:" + service.port());
        c.await("HTTP: http://" + name + "\\.localhost", Duration.ofSeconds(30));
        return c;
    }

    /** GET through node {@code entry} directly (no PROXY header). */
    static Curl.Result viaNode(int entry, String name, String path, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--max-time", "10", "-H", "Host: " + name + ".localhost",
                "-w", "\n%{http_code}"));
        args.addAll(List.of(extra));
        args.add("http://" + ClusterRig.HOSTS.get(entry) + ":" + rig.httpPort + path);
        return Curl.run(args.toArray(String[]::new));
    }

    /** GET through HAProxy on a new connection: HAProxy picks the entry node (round robin). */
    static Curl.Result viaHaproxy(String name, String path, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--max-time", "10", "-w", "\n%{http_code}"));
        args.addAll(List.of(extra));
        args.add("http://" + name + ".localhost:" + rig.httpFront + path);
        return Curl.run(args.toArray(String[]::new));
    }

    /** The node's own /_sish/metrics (Prometheus text). */
    static String metrics(int node) throws Exception {
        return Curl.run("--max-time", "10", "-H", "Host: localhost",
                "http://" + ClusterRig.HOSTS.get(node) + ":" + rig.httpPort + "/_sish/metrics").out();
    }

    static String status(Curl.Result r) {
        String out = r.out();
        return out.substring(out.lastIndexOf('\n') + 1);
    }

    @Test
    @Order(1)
    void everyEntryReachesATunnelOnEveryNodeByteForByte() throws Exception {
        List<SshClient> tunnels = new ArrayList<>();
        for (int owner = 0; owner < 3; owner++) {
            tunnels.add(tunnel(owner, rig.userKey, "own" + owner));
        }
        Path body = rig.dir.resolve("post.bin");
        byte[] bytes = new byte[1024 * 1024 + 13];
        new Random(17).nextBytes(bytes);
        Files.write(body, bytes);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        for (int entry = 0; entry < 3; entry++) {
            for (int owner = 0; owner < 3; owner++) {
                Curl.Result get = viaNode(entry, "own" + owner, "/hello");
                assertThat(get.out()).as("GET entry n%d → owner n%d", entry + 1, owner + 1)
                        .isEqualTo("hello from backend\n\n200");
                Curl.Result post = viaNode(entry, "own" + owner, "/sha256", "--data-binary", "@" + body);
                assertThat(post.out()).as("POST entry n%d → owner n%d", entry + 1, owner + 1)
                        .isEqualTo(sha + " " + bytes.length + "\n\n200");
            }
        }
        for (int owner = 0; owner < 3; owner++) {
            for (int i = 0; i < 6; i++) { // round robin: every entry node twice
                Curl.Result r = viaHaproxy("own" + owner, "/hello");
                assertThat(r.out()).as("through HAProxy to n%d, try %d", owner + 1, i).isEqualTo("hello from backend\n\n200");
            }
        }
        // 48 MiB through HAProxy and a hop, checked on both sides
        Path big = rig.dir.resolve("big.bin");
        byte[] chunk = new byte[1024 * 1024];
        new Random(5).nextBytes(chunk);
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        try (var out = Files.newOutputStream(big)) {
            for (int i = 0; i < 48; i++) {
                out.write(chunk);
                d.update(chunk);
            }
        }
        String bigSha = HexFormat.of().formatHex(d.digest());
        for (int i = 0; i < 2; i++) { // two connections: at least one enters a node that is not n3
            assertThat(viaHaproxy("own2", "/sha256", "--data-binary", "@" + big).out())
                    .isEqualTo(bigSha + " " + 48 * 1024 * 1024 + "\n\n200");
        }
        assertThat(viaHaproxy("nobody", "/").out()).as("a name nobody holds").endsWith("\n404");
        // HTTPS through HAProxy (TCP, no termination): the entry node passes the TLS connection to the owner by its
        // SNI name over mutual TLS; round robin makes every node an entry once per owner
        for (int owner = 0; owner < 3; owner++) {
            String host = "own" + owner + ".localhost";
            for (int i = 0; i < 3; i++) {
                assertThat(Curl.sha256("https://" + host + ":" + rig.httpsFront + "/bytes?size=2000000&seed=" + i,
                        "-k", "--resolve", host + ":" + rig.httpsFront + ":127.0.0.1"))
                        .as("HTTPS through HAProxy to n%d, try %d", owner + 1, i)
                        .isEqualTo(TestBackend.sha256OfPattern(2_000_000, i) + " 2000000");
            }
        }
        Files.delete(big); // 48 MiB: the rig's directory keeps only logs and keys
        Files.delete(body);
        for (SshClient c : tunnels) {
            c.close();
        }
        for (int owner = 0; owner < 3; owner++) {
            String route = "http|own" + owner + ".localhost";
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(rig.holder(route)).isEmpty());
        }
    }

    @Test
    @Order(1)
    void concurrentLargeBodiesThroughAHopStayWithinA64MiBHeap() throws Exception {
        SshClient owner = tunnel(2, rig.userKey, "mem");
        Path body = rig.dir.resolve("mem.bin");
        byte[] chunk = new byte[1024 * 1024];
        new Random(23).nextBytes(chunk);
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        try (var out = Files.newOutputStream(body)) {
            for (int i = 0; i < 16; i++) {
                out.write(chunk);
                d.update(chunk);
            }
        }
        String sha = HexFormat.of().formatHex(d.digest());
        long size = 16L * 1024 * 1024;
        List<CompletableFuture<String>> uploads = new ArrayList<>();
        List<CompletableFuture<Curl.Result>> downloads = new ArrayList<>();
        for (int i = 0; i < 6; i++) { // 6 × 16 MiB up and 3 × 16 MiB down at once, entering at n1, held on n3
            uploads.add(CompletableFuture.supplyAsync(() -> curl("--max-time", "60", "-H", "Host: mem.localhost",
                    "-w", "\n%{http_code}", "--data-binary", "@" + body,
                    "http://" + ClusterRig.HOSTS.get(0) + ":" + rig.httpPort + "/sha256").out()));
        }
        for (int i = 0; i < 3; i++) {
            downloads.add(CompletableFuture.supplyAsync(() -> curl("--max-time", "60", "-H", "Host: mem.localhost",
                    "-o", rig.dir.resolve("down" + Thread.currentThread().getId()).toString() + System.nanoTime(),
                    "-w", "%{http_code}", "http://" + ClusterRig.HOSTS.get(0) + ":" + rig.httpPort
                            + "/bytes?size=" + size + "&seed=4")));
        }
        int whole = 0;
        for (CompletableFuture<String> u : uploads) {
            String out = u.get(90, TimeUnit.SECONDS);
            if (out.endsWith("\n200")) {
                assertThat(out).as("byte-exact through the hop").isEqualTo(sha + " " + size + "\n\n200");
                whole++;
            } else {
                assertThat(out).as("refused with a clear status, never cut").endsWith("\n503");
            }
        }
        for (CompletableFuture<Curl.Result> dl : downloads) {
            assertThat(dl.get(90, TimeUnit.SECONDS).out()).isIn("200", "503");
        }
        try (var files = Files.list(rig.dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("down")).toList()) {
                if (Files.size(f) == size) {
                    MessageDigest got = MessageDigest.getInstance("SHA-256");
                    got.update(Files.readAllBytes(f));
                    assertThat(HexFormat.of().formatHex(got.digest())).as("download byte-exact")
                            .isEqualTo(TestBackend.sha256OfPattern(size, 4));
                }
                Files.delete(f);
            }
        }
        Files.delete(body);
        assertThat(whole).as("most uploads go through").isGreaterThanOrEqualTo(3);
        for (int node : new int[] {0, 2}) {
            assertThat(rig.nodes[node].process.isAlive()).isTrue();
            assertThat(rig.log(node)).as("n%d's log", node + 1).doesNotContain("OutOfMemoryError");
        }
        owner.close();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(rig.holder("http|mem.localhost"))
                .isEmpty());
    }

    static Curl.Result curl(String... args) {
        try {
            return Curl.run(args);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    @Order(2)
    void twoKeysRacingForOneNameThroughDifferentNodesGetExactlyOneOwner() throws Exception {
        int rounds = 51;
        int parallel = 3; // rounds at once (each two ssh clients)
        int redone = 0;
        for (int first = 0; first < rounds; first += parallel) {
            List<SshClient[]> pairs = new ArrayList<>();
            for (int r = first; r < first + parallel; r++) {
                pairs.add(racers(r, "race" + r));
            }
            for (int k = 0; k < parallel; k++) {
                int r = first + k;
                if (!raceRound(r, "race" + r, pairs.get(k))) {
                    // an ssh connection broke before any answer (seen once under load): not a race outcome
                    assertThat(++redone).as("rounds redone").isLessThanOrEqualTo(3);
                    assertThat(raceRound(r, "rerace" + r, racers(r, "rerace" + r))).as("round %d again", r).isTrue();
                }
            }
            for (SshClient[] pair : pairs) {
                pair[0].close();
                pair[1].close();
            }
        }
    }

    /** Round r: the user's key through node r % 3 and the other key through the next node, at once. */
    static SshClient[] racers(int r, String name) throws Exception {
        return new SshClient[] {
            rig.sshTo(r % 3, rig.userKey, "-R", name + ":80:127.0.0.1:" + service.port()),
            rig.sshTo((r + 1) % 3, rig.otherKey, "-R", name + ":80:127.0.0.1:" + service.port())};
    }

    /**
     * The SSH connection itself failed before tuns said anything (no session text at all): under load, about one
     * direct connection in a hundred has ended with "Broken pipe" or "Protocol error or corrupt packet" during the
     * handshake (not yet explained; see the issue notes).
     */
    static boolean brokeBeforeAnswer(SshClient c) {
        String out = c.output();
        return !c.process().isAlive() && !out.contains("HTTP: ") && !out.contains("ubdomain")
                && (out.contains("ssh_dispatch_run_fatal") || out.contains("Protocol error or corrupt packet"));
    }

    /** False when a client's connection failed before tuns answered (the round says nothing about the race). */
    static boolean raceRound(int r, String name, SshClient[] pair) throws Exception {
        SshClient viaA = pair[0];
        SshClient viaB = pair[1];
        try {
            viaA.await("HTTP: (http://\\S+)", Duration.ofSeconds(30));
            viaB.await("HTTP: (http://\\S+)", Duration.ofSeconds(30));
        } catch (AssertionError e) {
            if (brokeBeforeAnswer(viaA) || brokeBeforeAnswer(viaB)) {
                viaA.close();
                viaB.close();
                return false;
            }
            throw e;
        }
        String wanted = "HTTP: http://" + name + ".localhost";
        boolean aGot = viaA.output().contains(wanted);
        boolean bGot = viaB.output().contains(wanted);
        assertThat(aGot ^ bGot).as("round %d: exactly one owner (a=%s, b=%s)\n%s\n%s", r, aGot, bGot,
                viaA.output(), viaB.output()).isTrue();
        String winner = ClusterRig.id(aGot ? r % 3 : (r + 1) % 3);
        assertThat(rig.holder("http|" + name + ".localhost")).as("round %d: the store's holder", r).isEqualTo(winner);
        return true;
    }

    @Test
    @Order(3)
    void redisStoppedThenRestartedEmptyExistingTunnelsKeepWorkingAndNodesReassert() throws Exception {
        List<SshClient> tunnels = new ArrayList<>();
        for (int owner = 0; owner < 3; owner++) {
            tunnels.add(tunnel(owner, rig.userKey, "out" + owner));
        }
        for (int entry = 0; entry < 3; entry++) { // every entry node has looked each route up once
            for (int owner = 0; owner < 3; owner++) {
                assertThat(status(viaNode(entry, "out" + owner, "/hello"))).isEqualTo("200");
            }
        }
        rig.redis.stop();
        try {
            long until = System.nanoTime() + OUTAGE.toNanos();
            int requests = 0;
            SshClient refused = null;
            while (System.nanoTime() < until) {
                for (int entry = 0; entry < 3; entry++) {
                    for (int owner = 0; owner < 3; owner++) {
                        assertThat(viaNode(entry, "out" + owner, "/hello").out()).as(
                                "Redis down: entry n%d → owner n%d", entry + 1, owner + 1)
                                .isEqualTo("hello from backend\n\n200");
                        requests++;
                    }
                }
                if (refused == null) {
                    // ExitOnForwardFailure=no: with "yes" OpenSSH may exit on the refusal before its session
                    // shows the line
                    refused = rig.sshTo(1, rig.otherKey, "-o", "ExitOnForwardFailure=no",
                            "-R", "newcomer:80:127.0.0.1:" + service.port());
                    refused.await("cannot reach its cluster route store", Duration.ofSeconds(5));
                    refused.close();
                    assertThat(refused.output()).doesNotContain("HTTP: http://");
                }
                Thread.sleep(200);
            }
            assertThat(requests).isGreaterThanOrEqualTo(18);
            for (int node = 0; node < 3; node++) {
                assertThat(metrics(node)).as("n%d during the outage", node + 1)
                        .containsPattern("\nsish_cluster_store_up 0")
                        .containsPattern("\nsish_cluster_hops_total\\{result=\"forwarded\"} [1-9]");
            }
        } finally {
            rig.redis.restartEmpty(); // whatever failed above, the later tests need their store
        }
        for (int owner = 0; owner < 3; owner++) {
            String route = "http|out" + owner + ".localhost";
            String node = ClusterRig.id(owner);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(rig.holder(route)).as("%s re-asserted by its node", route).isEqualTo(node));
        }
        for (int node = 0; node < 3; node++) {
            int n = node;
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(metrics(n))
                    .as("n%d after the restart", n + 1).containsPattern("\nsish_cluster_store_up 1")
                    .containsPattern("\nsish_cluster_lease_lapses_total [1-9]"));
        }
        SshClient again = rig.sshTo(1, rig.otherKey, "-R", "newcomer:80:127.0.0.1:" + service.port());
        again.await("HTTP: http://newcomer\\.localhost", Duration.ofSeconds(15));
        for (int entry = 0; entry < 3; entry++) {
            assertThat(status(viaNode(entry, "newcomer", "/hello"))).isEqualTo("200");
        }
        again.close();
        for (SshClient c : tunnels) {
            c.close();
        }
    }

    static final Duration OUTAGE = Duration.ofSeconds(8);

    @Test
    @Order(4)
    void aFrozenNodeResumedAfterItsLeaseLapsedClosesTheTunnelWhoseNameMovedAndTellsTheUser() throws Exception {
        SshClient held = tunnel(1, rig.userKey, "frozen");
        rig.signal(1, "STOP");
        long stopped = System.nanoTime();
        SshClient taker;
        try (TestBackend other = new TestBackend()) {
            while (true) { // another key asks through n1 until n2's lease has lapsed
                SshClient c = rig.sshTo(0, rig.otherKey, "-R", "frozen:80:127.0.0.1:" + other.port());
                String url = c.await("HTTP: (http://\\S+)", Duration.ofSeconds(15));
                if (url.contains("http://frozen.localhost")) {
                    taker = c;
                    break;
                }
                c.close();
                assertThat(Duration.ofNanos(System.nanoTime() - stopped)).as("claimable within about a TTL")
                        .isLessThan(ClusterRig.TTL.multipliedBy(3));
                Thread.sleep(300);
            }
            assertThat(rig.holder("http|frozen.localhost")).isEqualTo("n1");
            rig.signal(1, "CONT");
            held.await("taken over on another node", Duration.ofSeconds(10));
            for (int entry = 0; entry < 3; entry++) {
                int e = entry;
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                        assertThat(status(viaNode(e, "frozen", "/hello"))).as("entry n%d", e + 1).isEqualTo("200"));
            }
            assertThat(other.requests).as("every entry reached the new holder's service").hasSizeGreaterThanOrEqualTo(3);
            assertThat(rig.holder("http|frozen.localhost")).as("n2 did not take it back").isEqualTo("n1");
            assertThat(metrics(1)).containsPattern("\nsish_cluster_routes_lost_total [1-9]")
                    .containsPattern("\nsish_cluster_lease_lapses_total [1-9]");
            taker.close();
            held.close();
        }
    }

    @Test
    @Order(5)
    void aKilledNodesNamesFreeUpAfterItsLeaseAndSurvivorsTunnelsNeverFail() throws Exception {
        List<SshClient> tunnels = List.of(tunnel(0, rig.userKey, "keep0"), tunnel(1, rig.userKey, "keep1"),
                tunnel(2, rig.userKey, "orphan"));
        AtomicInteger ok = new AtomicInteger();
        List<String> failures = new CopyOnWriteArrayList<>();
        AtomicBoolean run = new AtomicBoolean(true);
        CountDownLatch killed = new CountDownLatch(1);
        AtomicLong killedAt = new AtomicLong();
        Thread load = new Thread(() -> {
            int i = 0;
            while (run.get()) {
                if (i == 20) { // between two requests: none of ours is in flight inside the node we kill
                    rig.nodes[2].process.destroyForcibly();
                    killedAt.set(System.nanoTime());
                    killed.countDown();
                }
                String name = "keep" + (i++ % 2);
                try {
                    Curl.Result r = viaHaproxy(name, "/hello");
                    if (r.out().equals("hello from backend\n\n200")) {
                        ok.incrementAndGet();
                    } else {
                        failures.add(name + ": " + r.out());
                    }
                } catch (Exception e) {
                    failures.add(name + ": " + e);
                }
            }
        }, "survivors-load");
        load.start();
        try {
            assertThat(killed.await(60, TimeUnit.SECONDS)).isTrue();
            Duration freed;
            try (TestBackend other = new TestBackend()) {
                while (true) {
                    SshClient c = rig.sshTo(0, rig.otherKey, "-R", "orphan:80:127.0.0.1:" + other.port());
                    String url = c.await("HTTP: (http://\\S+)", Duration.ofSeconds(15));
                    if (url.contains("http://orphan.localhost")) {
                        freed = Duration.ofNanos(System.nanoTime() - killedAt.get());
                        break;
                    }
                    c.close();
                    assertThat(Duration.ofNanos(System.nanoTime() - killedAt.get())).as("claimable within about a TTL")
                            .isLessThan(ClusterRig.TTL.multipliedBy(3));
                    Thread.sleep(200);
                }
                assertThat(freed).as("not before the lease could have lapsed")
                        .isGreaterThan(ClusterRig.TTL.minus(ClusterRig.TTL.dividedBy(5).multipliedBy(2)));
                assertThat(status(viaHaproxy("orphan", "/hello"))).isEqualTo("200");
                Thread.sleep(1000);
            }
        } finally {
            run.set(false);
            load.join(30_000);
        }
        assertThat(failures).as("failed requests to the survivors' tunnels").isEmpty();
        assertThat(ok.get()).isGreaterThan(20);
        for (SshClient c : tunnels) {
            c.close();
        }
    }

    @Test
    @Order(6)
    void aDrainedNodeTellsItsSessionsAndTheirClientsKeepTheirNamesThroughAnotherNode() throws Exception {
        SshClient first = tunnel(1, rig.userKey, "drained");
        rig.signal(1, "TERM");
        first.await("This tuns node is shutting down\\. Reconnect", Duration.ofSeconds(5));
        assertThat(first.process().waitFor(10, TimeUnit.SECONDS)).as("the session was closed").isTrue();
        try (TestBackend other = new TestBackend()) {
            SshClient stranger = rig.sshTo(0, rig.otherKey, "-R", "drained:80:127.0.0.1:" + other.port());
            assertThat(stranger.await("HTTP: (http://\\S+)", Duration.ofSeconds(15)))
                    .as("another key does not get a draining node's name").doesNotContain("http://drained.localhost");
            stranger.close();
        }
        // the client's restart loop: through the load balancer, which no longer sends anything to n2
        SshClient back = rig.sshViaHaproxy(rig.userKey, "-R", "drained:80:127.0.0.1:" + service.port());
        back.await("HTTP: http://drained\\.localhost", Duration.ofSeconds(20));
        assertThat(rig.nodes[1].process.waitFor(ClusterRig.DRAIN.plusSeconds(10).toSeconds(), TimeUnit.SECONDS))
                .as("n2 stopped").isTrue();
        assertThat(rig.log(1)).contains("event=cluster_route_lost node=n2 route=http|drained.localhost")
                .contains("event=cluster_drained");
        assertThat(rig.holder("http|drained.localhost")).isEqualTo("n1");
        assertThat(status(viaHaproxy("drained", "/hello"))).isEqualTo("200");
        back.close();
    }
}
