package io.tuns.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tuns.server.it.Curl;
import io.tuns.server.it.SshClient;
import io.tuns.server.it.TestBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Three tuns JVMs on 127.0.0.11–13 behind Debian's HAProxy (the shipped config) on one real redis-server, with
 * real OpenSSH clients and curl: routing through HAProxy and through every entry node to a tunnel on every node,
 * byte-exact; two keys racing for one name through different nodes; 20 random names and 20 random TCP ports at
 * once; Redis stopped 20 s and restarted empty; a frozen
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

    /**
     * 30 rounds here, through HAProxy and forked nodes: the 200 rounds issue 17 asks for run in ClusterIT (in-JVM
     * nodes on the same Redis script), where a round costs far less. A batch is 10 rounds on one pair of ssh
     * connections through HAProxy (10 {@code -R} each, claimed in order, so name i of one races name i of the
     * other); HAProxy's leastconn sends the two connections of a batch to two different nodes, which the store's
     * records show.
     */
    @Test
    @Order(2)
    void twoKeysRacingForOneNameThroughDifferentNodesGetExactlyOneOwner() throws Exception {
        int batches = 3;
        int perBatch = 10;
        int redone = 0;
        for (int batch = 0; batch < batches; batch++) {
            if (!raceBatch("race" + batch + "-", perBatch)) {
                // an ssh connection broke before any answer (seen once under load): not a race outcome
                assertThat(++redone).as("batches redone").isLessThanOrEqualTo(1);
                assertThat(raceBatch("rerace" + batch + "-", perBatch)).as("batch %d again", batch).isTrue();
            }
        }
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

    /** One batch of {@code n} rounds; false when a connection failed before tuns answered (says nothing of the race). */
    static boolean raceBatch(String prefix, int n) throws Exception {
        List<String> forwards = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            forwards.addAll(List.of("-R", prefix + i + ":80:127.0.0.1:" + service.port()));
        }
        String[] args = forwards.toArray(String[]::new);
        SshClient user = rig.sshViaHaproxy(rig.userKey, args);
        SshClient other = rig.sshViaHaproxy(rig.otherKey, args);
        try {
            for (SshClient client : List.of(user, other)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> brokeBeforeAnswer(client)
                        || Pattern.compile("HTTP: http://").matcher(client.output()).results().count() == n);
                if (brokeBeforeAnswer(client)) {
                    return false;
                }
            }
            Set<String> userNodes = new HashSet<>();
            Set<String> otherNodes = new HashSet<>();
            for (int i = 0; i < n; i++) {
                String name = prefix + i;
                Pattern wanted = Pattern.compile("HTTP: http://" + name + "\\.localhost(?![\\w.-])");
                boolean userGot = wanted.matcher(user.output()).find();
                boolean otherGot = wanted.matcher(other.output()).find();
                assertThat(userGot ^ otherGot).as("%s: exactly one owner (user=%s, other=%s)\n%s\n%s", name, userGot,
                        otherGot, user.output(), other.output()).isTrue();
                String holder = rig.holder("http|" + name + ".localhost");
                assertThat(holder).as("%s: the store's holder", name).isIn("n1", "n2", "n3");
                (userGot ? userNodes : otherNodes).add(holder);
            }
            for (SshClient client : List.of(user, other)) { // a loser's random names: where that client landed
                Matcher m = Pattern.compile("HTTP: http://([^./:]+)\\.localhost").matcher(client.output());
                while (m.find()) {
                    String holder = rig.holder("http|" + m.group(1) + ".localhost");
                    (client == user ? userNodes : otherNodes).add(holder);
                }
            }
            assertThat(userNodes).as("one node per connection").hasSize(1);
            assertThat(otherNodes).as("HAProxy sent the two keys to different nodes").hasSize(1)
                    .doesNotContainAnyElementsOf(userNodes);
            return true;
        } finally {
            user.close();
            other.close();
        }
    }

    /**
     * 20 clients at once asking for a random name through HAProxy and 20 asking for a random TCP port
     * ({@code -R 0:localhost:port}) straight to each node in turn: 20 different names, each answering through
     * HAProxy and through every node, and 20 different ports cluster-wide (each node binds its own address, so
     * nothing but the store keeps two nodes from handing out one port), each answering on its owner.
     */
    @Test
    @Order(2)
    void twentyConcurrentRandomNamesAndTwentyRandomTcpPortsThroughDifferentNodesAreDistinctAndReachable()
            throws Exception {
        List<SshClient> named = new ArrayList<>();
        List<SshClient> ported = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            named.add(rig.sshViaHaproxy(i % 2 == 0 ? rig.userKey : rig.otherKey,
                    "-R", "80:127.0.0.1:" + service.port()));
            ported.add(rig.sshTo(i % 3, i % 2 == 0 ? rig.otherKey : rig.userKey,
                    "-R", "0:localhost:" + service.port()));
        }
        List<String> names = new ArrayList<>();
        Set<String> nameHolders = new HashSet<>();
        for (SshClient c : named) {
            String name = c.await("HTTP: http://([^./:]+)\\.localhost", Duration.ofSeconds(60));
            names.add(name);
            nameHolders.add(rig.holder("http|" + name + ".localhost"));
        }
        assertThat(names).as("20 different names").doesNotHaveDuplicates().hasSize(20);
        assertThat(nameHolders).as("HAProxy spread them over the nodes").hasSize(3);
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            int port = Integer.parseInt(ported.get(i).await("TCP: localhost:(\\d+)", Duration.ofSeconds(60)));
            ports.add(port);
            assertThat(rig.holder("tcp|localhost:" + port)).as("port %d's holder", port).isEqualTo(ClusterRig.id(i % 3));
        }
        assertThat(ports).as("20 different ports across the cluster").doesNotHaveDuplicates().hasSize(20);
        for (String name : names) {
            assertThat(viaHaproxy(name, "/hello").out()).as("%s through HAProxy", name)
                    .isEqualTo("hello from backend\n\n200");
            for (int entry = 0; entry < 3; entry++) {
                assertThat(status(viaNode(entry, name, "/hello"))).as("%s through n%d", name, entry + 1).isEqualTo("200");
            }
        }
        for (int i = 0; i < 20; i++) { // TCP across nodes is not served yet: on the owner
            assertThat(Curl.run("--max-time", "10", "-w", "\n%{http_code}",
                    "http://" + ClusterRig.HOSTS.get(i % 3) + ":" + ports.get(i) + "/hello").out())
                    .as("port %d on n%d", ports.get(i), i % 3 + 1).isEqualTo("hello from backend\n\n200");
        }
        for (SshClient c : named) {
            c.close();
        }
        for (SshClient c : ported) {
            c.close();
        }
        for (String name : names) {
            await().atMost(Duration.ofSeconds(5)).until(() -> rig.holder("http|" + name + ".localhost").isEmpty());
        }
        for (int port : ports) {
            await().atMost(Duration.ofSeconds(5)).until(() -> rig.holder("tcp|localhost:" + port).isEmpty());
        }
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

    static final Duration OUTAGE = Duration.ofSeconds(20); // issue 17: 20 s, not less

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
            List<Poll> polls = pollAround(() -> rig.signal(1, "CONT"));
            long resumed = polls.get(0).resumedAt();
            held.await("taken over on another node", Duration.ofSeconds(10));
            long oldAnswered = 0;
            long lastOld = resumed;
            for (Poll p : polls) {
                if (service.requests.contains("GET " + p.path())) {
                    oldAnswered++;
                    lastOld = Math.max(lastOld, p.answeredAt());
                }
            }
            Duration overlap = Duration.ofNanos(lastOld - resumed);
            System.out.printf("frozen node resumed: %d of %d polls answered by the old holder, last %d ms after"
                    + " SIGCONT%n", oldAnswered, polls.size(), overlap.toMillis());
            assertThat(polls).as("the new holder answered through both entries all along")
                    .filteredOn(p -> other.requests.contains("GET " + p.path())).hasSizeGreaterThan(polls.size() / 2);
            assertThat(overlap).as("the old holder answered (while the new one did) for at most a second after"
                    + " it resumed").isLessThan(Duration.ofSeconds(1));
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

    /** One request of {@link #pollAround}: its path, and when it was answered (any status) or gave up. */
    record Poll(String path, long resumedAt, long answeredAt) {
    }

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * GET frozen.localhost every 50 ms through n2 (the old holder) and n1 (the new one), from 200 ms before
     * {@code resume} until 3 s after it; requests sent to n2 while it is stopped wait in its listen queue and are
     * taken when it wakes, which is the moment that matters.
     */
    static List<Poll> pollAround(Resume resume) throws Exception {
        List<CompletableFuture<Poll>> sent = new ArrayList<>();
        long start = System.nanoTime();
        long resumedAt = 0;
        for (int i = 0; System.nanoTime() - start < Duration.ofMillis(3200).toNanos(); i++) {
            if (resumedAt == 0 && System.nanoTime() - start >= Duration.ofMillis(200).toNanos()) {
                resume.run();
                resumedAt = System.nanoTime();
            }
            for (int entry : new int[] {1, 0}) {
                String path = "/hello?poll=" + i + "&entry=n" + (entry + 1);
                HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + ClusterRig.HOSTS.get(entry) + ":"
                        + rig.httpPort + path)).header("Host", "frozen.localhost").timeout(Duration.ofSeconds(8))
                        .GET().build();
                sent.add(HTTP.sendAsync(req, HttpResponse.BodyHandlers.discarding()).handle((r, e) -> System.nanoTime())
                        .thenApply(at -> new Poll(path, 0, at)));
            }
            Thread.sleep(50);
        }
        List<Poll> polls = new ArrayList<>();
        for (CompletableFuture<Poll> f : sent) {
            Poll p = f.get(15, TimeUnit.SECONDS);
            polls.add(new Poll(p.path(), resumedAt, p.answeredAt()));
        }
        return polls;
    }

    @FunctionalInterface
    interface Resume {
        void run() throws Exception;
    }

    /** After each case: no forwarded channel left open on any running node (its clients are closed by then). */
    @AfterEach
    void noChannelLeftOpen() {
        for (int node = 0; node < 3; node++) {
            if (rig.nodes[node] == null || !rig.nodes[node].process.isAlive()) {
                continue; // killed or drained by the case
            }
            int n = node;
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(metrics(n))
                    .as("n%d's open channels", n + 1).containsPattern("\nsish_forwarded_channels_open 0(\\.0)?\n"));
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
                    try { // until it is gone, its listening socket still completes handshakes that then break
                        rig.nodes[2].process.waitFor(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
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
