package io.tuns.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tuns.server.TunsServer;
import io.tuns.server.config.ConfigLoader;
import io.tuns.server.it.KeepAliveClient;
import io.tuns.server.it.SshClient;
import io.tuns.server.it.TestBackend;
import io.tuns.server.it.TunsFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three tuns nodes in this JVM on one real redis-server, with real OpenSSH clients: a tunnel held on one node
 * answers requests sent to another (byte-exact, one hop per request, keep-alive connections reaching names on
 * every node, WebSockets, the owner's IP filter on the real client address), two keys racing for a name through
 * different nodes get one owner, the same key takes its name over across nodes, and a stale route ends in one 502.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterIT {

    static RedisServer redis;
    static Path dir;
    static Path userKey;
    static Path otherKey;
    static TunsServer a;
    static TunsServer b;
    static TunsServer c;
    static final List<AutoCloseable> owned = new ArrayList<>();
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void cluster() throws Exception {
        redis = RedisServer.start();
        dir = Files.createTempDirectory("tuns-cluster");
        Path pubkeys = Files.createDirectories(dir.resolve("pubkeys"));
        userKey = TunsFixture.keygen(dir, "user");
        otherKey = TunsFixture.keygen(dir, "other");
        Files.copy(Path.of(userKey + ".pub"), pubkeys.resolve("user.pub"));
        Files.copy(Path.of(otherKey + ".pub"), pubkeys.resolve("other.pub"));
        Files.writeString(dir.resolve("none.yml"), "{}\n");
        a = node("a");
        b = node("b");
        c = node("c");
    }

    /** A node sharing the host key, the authorised keys and every flag with the others; only its name differs. */
    static TunsServer node(String id, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("--ssh-address=127.0.0.1:0", "--http-address=127.0.0.1:0",
                "--domain=localhost", "--private-keys-directory=" + dir.resolve("hostkeys"),
                "--authentication-keys-directory=" + dir.resolve("pubkeys"), "--bind-random-subdomains=false",
                "--config=" + dir.resolve("none.yml"), "--cluster-store=" + redis.uri(), "--cluster-node-id=" + id,
                "--cluster-listen=127.0.0.1:0", "--cluster-node-ttl=2s",
                "--cluster-drain-timeout=1s")); // closing at the end drains: no client comes back here
        args.addAll(List.of(more));
        TunsServer s = new TunsServer(ConfigLoader.fromArgs(args.toArray(String[]::new)));
        s.start();
        return s;
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : owned) {
            c.close();
        }
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        if (c != null) {
            c.close();
        }
        redis.close();
    }

    static SshClient ssh(TunsServer node, Path key, String... args) throws Exception {
        SshClient c = SshClient.start(node.sshPort(), key, List.of(args));
        owned.add(c);
        return c;
    }

    static HttpRequest.Builder request(TunsServer node, String host, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
                .header("Host", host + ":" + node.httpPort()).timeout(Duration.ofSeconds(30));
    }

    @Test
    void aTunnelOnOneNodeAnswersRequestsSentToTheOtherByteForByte() throws Exception {
        try (TestBackend service = new TestBackend()) {
            ssh(a, userKey, "-R", "app:80:127.0.0.1:" + service.port(), "127.0.0.1")
                    .await("HTTP: http://app.localhost", Duration.ofSeconds(15));
            HttpResponse<String> viaB = http.send(request(b, "app.localhost", "/hello").GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(viaB.statusCode()).isEqualTo(200);
            assertThat(viaB.body()).isEqualTo("hello from backend\n");

            byte[] body = new byte[8 * 1024 * 1024 + 17];
            new Random(7).nextBytes(body);
            String sent = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
            HttpResponse<String> post = http.send(request(b, "app.localhost", "/sha256")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(200);
            assertThat(post.body()).as("the service got every byte through the hop")
                    .isEqualTo(sent + " " + body.length + "\n");

            HttpResponse<byte[]> big = http.send(request(b, "app.localhost", "/bytes?size=5000000&seed=3").GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(big.body())))
                    .as("and the client got every byte back").isEqualTo(TestBackend.sha256OfPattern(5_000_000, 3));

            HttpResponse<String> nothing = http.send(request(b, "nothing.localhost", "/").GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(nothing.statusCode()).as("a name nobody holds: the usual answer").isEqualTo(404);
        }
    }

    @Test
    void twoKeysRacingForOneNameThroughDifferentNodesGetOneOwner() throws Exception {
        try (TestBackend service = new TestBackend()) {
            for (int round = 0; round < 5; round++) {
                String name = "race" + round;
                SshClient viaA = ssh(a, userKey, "-R", name + ":80:127.0.0.1:" + service.port(), "127.0.0.1");
                SshClient viaB = ssh(b, otherKey, "-R", name + ":80:127.0.0.1:" + service.port(), "127.0.0.1");
                viaA.await("HTTP: (http://\\S+)", Duration.ofSeconds(15));
                viaB.await("HTTP: (http://\\S+)", Duration.ofSeconds(15));
                String wanted = "HTTP: http://" + name + ".localhost";
                boolean aGot = viaA.output().contains(wanted);
                boolean bGot = viaB.output().contains(wanted);
                assertThat(aGot ^ bGot).as("round %d: exactly one owner (a=%s, b=%s)\n%s\n%s", round, aGot, bGot,
                        viaA.output(), viaB.output()).isTrue();
                String key = "http|" + name + ".localhost";
                assertThat(a.registry().servesLocally(key)).as("round %d: node a serves it", round).isEqualTo(aGot);
                assertThat(b.registry().servesLocally(key)).as("round %d: node b serves it", round).isEqualTo(bGot);
                viaA.close();
                viaB.close();
            }
        }
    }

    @Test
    void theSameKeyTakesItsNameOverAcrossNodes() throws Exception {
        try (TestBackend first = new TestBackend(); TestBackend second = new TestBackend()) {
            SshClient old = ssh(a, userKey, "-R", "move:80:127.0.0.1:" + first.port(), "127.0.0.1");
            old.await("HTTP: http://move.localhost", Duration.ofSeconds(15));
            SshClient moved = ssh(b, userKey, "-R", "move:80:127.0.0.1:" + second.port(), "127.0.0.1");
            moved.await("HTTP: http://move.localhost", Duration.ofSeconds(15));
            long movedAt = System.nanoTime();
            old.await("taken over on another node", Duration.ofSeconds(5));
            await().atMost(Duration.ofSeconds(5)).until(() -> !a.registry().servesLocally("http|move.localhost"));
            // the route feed tells node a at once; the per-route look-up comes only every 10th beat (4 s here,
            // 20 s with the default 10 s TTL), so under a second is the feed's doing
            Duration closedIn = Duration.ofNanos(System.nanoTime() - movedAt);
            System.out.println("take-over across nodes: old tunnel closed " + closedIn.toMillis() + " ms after the"
                    + " new one was up");
            assertThat(closedIn).isLessThan(Duration.ofSeconds(1));
            for (TunsServer entry : List.of(a, b)) {
                HttpResponse<String> r = HttpClient.newHttpClient().send(
                        request(entry, "move.localhost", "/hello").GET().build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
            }
            assertThat(second.requests).as("both entries reached the new holder").hasSize(2);
            assertThat(first.requests).isEmpty();
        }
    }

    @Test
    void aStaleRouteGetsOneRefreshThenA502AndNeverASecondHop() throws Exception {
        // the store says node b holds ghost.localhost, but b has no such tunnel
        assertThat(redis.command("HSET tuns:r:http|ghost.localhost node b owner SHA256:nobody")).startsWith(":");
        try {
            Map<String, Double> aBefore = hops(a);
            Map<String, Double> bBefore = hops(b);
            HttpResponse<String> r = http.send(request(a, "ghost.localhost", "/").GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(r.body()).contains("did not take the request");
            Map<String, Double> aAfter = hops(a);
            assertThat(aAfter.get("not_here") - aBefore.get("not_here")).as("one NOT_HERE, then the fresh look-up"
                    + " named b again: no second dial").isEqualTo(1.0);
            assertThat(aAfter.get("forwarded") - aBefore.get("forwarded")).isZero();
            assertThat(aAfter.get("failed") - aBefore.get("failed")).isZero();
            assertThat(hops(b)).as("b never forwarded it on: one hop at most").isEqualTo(bBefore);
        } finally {
            redis.command("DEL tuns:r:http|ghost.localhost");
        }
    }

    /** A node's hop counters by result, from its own /_sish/metrics. */
    static Map<String, Double> hops(TunsServer node) throws Exception {
        String text = http.send(request(node, "localhost", "/_sish/metrics").GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Double> byResult = new TreeMap<>();
        Matcher m = Pattern.compile("(?m)^sish_cluster_hops_total\\{result=\"(\\w+)\"} (\\S+)$").matcher(text);
        while (m.find()) {
            byResult.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        assertThat(byResult).as("hop counters in\n%s", text).containsKeys("forwarded", "not_here", "failed");
        return byResult;
    }

    @Test
    void oneKeepAliveConnectionReachesNamesOnEveryNodeRequestByRequest() throws Exception {
        try (TestBackend onA = new TestBackend(); TestBackend onB = new TestBackend();
             TestBackend onC = new TestBackend()) {
            ssh(a, userKey, "-R", "ka:80:127.0.0.1:" + onA.port(), "127.0.0.1")
                    .await("HTTP: http://ka.localhost", Duration.ofSeconds(15));
            ssh(b, userKey, "-R", "kb:80:127.0.0.1:" + onB.port(), "127.0.0.1")
                    .await("HTTP: http://kb.localhost", Duration.ofSeconds(15));
            ssh(c, userKey, "-R", "kc:80:127.0.0.1:" + onC.port(), "127.0.0.1")
                    .await("HTTP: http://kc.localhost", Duration.ofSeconds(15));
            Map<String, Double> before = hops(c);
            byte[] body = new byte[8 * 1024 * 1024 + 5];
            new Random(11).nextBytes(body);
            try (KeepAliveClient client = new KeepAliveClient(c.httpPort(), 30_000)) {
                for (int round = 0; round < 3; round++) {
                    for (String name : List.of("ka", "kb", "kc")) { // a, b, then the entry node itself
                        client.send(KeepAliveClient.get(name + ".localhost", "/hello?n=" + name + "&r=" + round));
                        KeepAliveClient.Response r = client.read();
                        assertThat(r.status()).as("%s round %d", name, round).isEqualTo(200);
                        assertThat(r.text()).isEqualTo("hello from backend\n");
                    }
                }
                // 8 MiB echoed back by the service on b, on the same connection, sent while the answer streams
                String head = "POST /echo HTTP/1.1\r\nHost: kb.localhost\r\nContent-Length: " + body.length
                        + "\r\n\r\n";
                CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                    try {
                        client.send(head + new String(body, StandardCharsets.ISO_8859_1));
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                KeepAliveClient.Response echoed = client.read();
                sent.get(30, TimeUnit.SECONDS);
                assertThat(echoed.status()).isEqualTo(200);
                assertThat(echoed.body().length).isEqualTo(body.length);
                assertThat(Arrays.equals(echoed.body(), body)).as("byte-exact through the hop both ways").isTrue();
                for (String name : List.of("ka", "kc")) {
                    client.send(KeepAliveClient.get(name + ".localhost", "/hello?n=" + name + "&r=last"));
                    assertThat(client.read().status()).isEqualTo(200);
                }
            }
            assertThat(onA.requests).as("only a's names reached a's service").hasSize(4)
                    .allMatch(r -> r.startsWith("GET /hello?n=ka&"));
            assertThat(onB.requests).hasSize(4).filteredOn(r -> r.startsWith("GET /hello?n=kb&")).hasSize(3);
            assertThat(onB.requests).contains("POST /echo");
            assertThat(onC.requests).hasSize(4).allMatch(r -> r.startsWith("GET /hello?n=kc&"));
            Map<String, Double> after = hops(c);
            assertThat(after.get("forwarded") - before.get("forwarded"))
                    .as("one hop connection per owner node, kept between requests").isEqualTo(2.0);
            assertThat(after.get("reused") - before.get("reused")).isGreaterThanOrEqualTo(4.0);
        }
    }

    @Test
    void aWebSocketThroughTheHopEchoesEveryMessage() throws Exception {
        try (TestBackend service = new TestBackend()) {
            ssh(b, userKey, "-R", "wsb:80:127.0.0.1:" + service.port(), "127.0.0.1")
                    .await("HTTP: http://wsb.localhost", Duration.ofSeconds(15));
            double before = hops(a).get("forwarded");
            LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
            WebSocket ws = http.newWebSocketBuilder().header("Host", "wsb.localhost:" + a.httpPort())
                    .buildAsync(URI.create("ws://127.0.0.1:" + a.httpPort() + "/ws"), new WebSocket.Listener() {
                        private final StringBuilder parts = new StringBuilder();

                        @Override
                        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                            parts.append(data); // a long message may come in several parts
                            if (last) {
                                received.add(parts.toString());
                                parts.setLength(0);
                            }
                            socket.request(1);
                            return CompletableFuture.completedFuture(null);
                        }
                    }).get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 10; i++) {
                ws.sendText("message " + i + " " + "x".repeat(i * 1000), true).get(5, TimeUnit.SECONDS);
                assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("echo:message " + i + " " + "x".repeat(i * 1000));
            }
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
            assertThat(hops(a).get("forwarded") - before).as("the upgrade went through a hop").isEqualTo(1.0);
        }
    }

    @Test
    void theOwnersIpFilterDecidesOnTheRealClientAddressCarriedAcrossTheHop() throws Exception {
        TunsServer guarded = node("f", "--banned-ips=127.0.0.2");
        try (TestBackend service = new TestBackend(); TestBackend open = new TestBackend()) {
            ssh(guarded, userKey, "-R", "guarded:80:127.0.0.1:" + service.port(), "127.0.0.1")
                    .await("HTTP: http://guarded.localhost", Duration.ofSeconds(15));
            ssh(a, userKey, "-R", "open:80:127.0.0.1:" + open.port(), "127.0.0.1")
                    .await("HTTP: http://open.localhost", Duration.ofSeconds(15));
            try (KeepAliveClient banned = new KeepAliveClient("127.0.0.2", a.httpPort(), 10_000)) {
                banned.send(KeepAliveClient.get("open.localhost", "/hello"));
                assertThat(banned.read().status()).as("the entry node has no filter").isEqualTo(200);
                banned.send(KeepAliveClient.get("guarded.localhost", "/hello"));
                KeepAliveClient.Response r = banned.read();
                assertThat(r.status()).as("the owner refused 127.0.0.2, read from the PROXY header; the hop itself"
                        + " came from 127.0.0.1").isEqualTo(403);
            }
            try (KeepAliveClient allowed = new KeepAliveClient("127.0.0.1", a.httpPort(), 10_000)) {
                allowed.send(KeepAliveClient.get("guarded.localhost", "/headers"));
                KeepAliveClient.Response r = allowed.read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.text()).as("the owner's X-Forwarded-For names the client").contains(
                        "x-forwarded-for: 127.0.0.1");
            }
            assertThat(service.requests).containsExactly("GET /headers");
        } finally {
            guarded.close();
        }
    }

    @Test
    void aNodeStartsWithoutItsStoreRefusesNewForwardsClearlyAndTakesThemOnceRedisIsThere() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        TunsServer late = new TunsServer(ConfigLoader.fromArgs("--ssh-address=127.0.0.1:0",
                "--http-address=127.0.0.1:0", "--domain=localhost",
                "--private-keys-directory=" + dir.resolve("hostkeys"),
                "--authentication-keys-directory=" + dir.resolve("pubkeys"), "--bind-random-subdomains=false",
                "--config=" + dir.resolve("none.yml"), "--cluster-store=redis://127.0.0.1:" + port,
                "--cluster-node-id=late", "--cluster-listen=127.0.0.1:0", "--cluster-node-ttl=2s"));
        owned.add(late);
        late.start(); // Redis is not there: the node serves anyway
        HttpResponse<String> unready = health(late);
        assertThat(unready.statusCode()).as("never joined: the load balancer sends it nothing").isEqualTo(503);
        assertThat(unready.body()).contains("has not reached its cluster store");
        try (TestBackend service = new TestBackend()) {
            // ExitOnForwardFailure=no: with "yes" OpenSSH may exit on the refusal before its session shows the line
            SshClient refused = ssh(late, userKey, "-o", "ExitOnForwardFailure=no",
                    "-R", "early:80:127.0.0.1:" + service.port(), "127.0.0.1");
            refused.await("cannot reach its cluster route store \\(Redis\\): new forwards are refused until it"
                    + " is back; tunnels already open keep working", Duration.ofSeconds(10));
            refused.close();
            assertThat(refused.output()).doesNotContain("HTTP: http://");
            try (RedisServer store = RedisServer.startAt(port)) {
                await().atMost(Duration.ofSeconds(15)).until(() -> store.bulk("GET tuns:n:late").startsWith("127.0.0.1:"));
                SshClient taken = ssh(late, userKey, "-R", "early:80:127.0.0.1:" + service.port(), "127.0.0.1");
                taken.await("HTTP: http://early\\.localhost", Duration.ofSeconds(15));
                assertThat(store.bulk("HGET tuns:r:http|early.localhost node")).isEqualTo("late");
                assertThat(health(late).statusCode()).isEqualTo(200);
                taken.close();
            }
        }
    }

    @Test
    void aServingNodeAnswersItsHealthCheckForAnyHost() throws Exception {
        for (TunsServer node : List.of(a, b, c)) {
            HttpResponse<String> r = health(node);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("cache-control")).hasValue("no-store");
        }
        HttpResponse<String> head = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.httpPort()
                        + "/_sish/health")).header("Host", "nobody.localhost").method("HEAD",
                        HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
    }

    static HttpResponse<String> health(TunsServer node) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + "/_sish/health"))
                .header("Host", "check.invalid").timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aDrainWhoseClientsDoNotComeBackEndsAfterItsTimeoutAndFreesTheNames() throws Exception {
        TunsServer draining = new TunsServer(ConfigLoader.fromArgs("--ssh-address=127.0.0.1:0",
                "--http-address=127.0.0.1:0", "--domain=localhost",
                "--private-keys-directory=" + dir.resolve("hostkeys"),
                "--authentication-keys-directory=" + dir.resolve("pubkeys"), "--bind-random-subdomains=false",
                "--config=" + dir.resolve("none.yml"), "--cluster-store=" + redis.uri(), "--cluster-node-id=d",
                "--cluster-listen=127.0.0.1:0", "--cluster-node-ttl=2s", "--cluster-drain-timeout=1500ms"));
        draining.start();
        try (TestBackend service = new TestBackend(); TestBackend other = new TestBackend()) {
            SshClient user = ssh(draining, userKey, "-R", "gone:80:127.0.0.1:" + service.port(), "127.0.0.1");
            user.await("HTTP: http://gone\\.localhost", Duration.ofSeconds(15));
            long t0 = System.nanoTime();
            draining.close(); // what SIGTERM runs
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            user.await("This tuns node is shutting down\\. Reconnect", Duration.ofSeconds(1));
            assertThat(user.process().waitFor(5, TimeUnit.SECONDS)).as("its session was closed").isTrue();
            assertThat(took).as("waited for the client, then gave up").isBetween(Duration.ofMillis(1500),
                    Duration.ofSeconds(6));
            assertThat(redis.bulk("GET tuns:n:d")).as("the lease ended").isEmpty();
            SshClient stranger = ssh(b, otherKey, "-R", "gone:80:127.0.0.1:" + other.port(), "127.0.0.1");
            stranger.await("HTTP: http://gone\\.localhost", Duration.ofSeconds(15));
            assertThat(redis.bulk("HGET tuns:r:http|gone.localhost node")).isEqualTo("b");
            stranger.close();
        }
    }
}
