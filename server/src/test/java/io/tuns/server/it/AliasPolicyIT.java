package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Alias access by key fingerprint, tcp-alias=true on port 80, alias load balancing, per-tunnel force-https. */
class AliasPolicyIT {

    static TunsFixture tuns;
    static TestBackend a;
    static TestBackend b;
    static Path friend;
    static Path stranger;

    @BeforeAll
    static void start() throws Exception {
        tuns = TunsFixture.start("--tcp-aliases-allowed-users", "--tcp-aliases", "--alias-load-balancer",
                "--https", "--https-address=127.0.0.1:0", "--force-https",
                "--https-certificate-directory=" + Files.createTempDirectory("tuns-nocerts"));
        a = new TestBackend();
        b = new TestBackend();
        friend = TunsFixture.keygen(tuns.dir, "friend");
        stranger = TunsFixture.keygen(tuns.dir, "stranger");
        Files.copy(Path.of(friend + ".pub"), tuns.dir.resolve("pubkeys/friend.pub"));
        Files.copy(Path.of(stranger + ".pub"), tuns.dir.resolve("pubkeys/stranger.pub"));
        Thread.sleep(1200);
    }

    @AfterAll
    static void stop() throws Exception {
        tuns.close();
        a.close();
        b.close();
    }

    static String viaW(Path key, String target) throws Exception {
        SshClient w = tuns.ssh(key, "-W", target, "127.0.0.1");
        w.send("GET /hello HTTP/1.0\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        w.process().waitFor(15, java.util.concurrent.TimeUnit.SECONDS);
        return w.output();
    }

    @Test
    void onlyTheOwnerAndListedKeysReachAPrivateAlias() throws Exception {
        String friendFp = DnsVerifyIT.fingerprint(friend);
        tuns.ssh("-R", "priv:3000:127.0.0.1:" + a.port(), "127.0.0.1", "tcp-aliases-allowed-users=" + friendFp)
                .await("TCP Alias: priv:3000", Duration.ofSeconds(15));
        assertThat(viaW(tuns.userKey, "priv:3000")).as("owner").contains("hello from backend");
        assertThat(viaW(friend, "priv:3000")).as("listed key").contains("hello from backend");
        assertThat(viaW(stranger, "priv:3000")).as("other key").doesNotContain("hello from backend")
                .contains("stdio forwarding failed");
    }

    @Test
    void tcpAliasTrueMakesPort80AnAlias() throws Exception {
        tuns.ssh("-R", "web:80:127.0.0.1:" + a.port(), "127.0.0.1", "tcp-alias=true", "tcp-aliases-allowed-users=any")
                .await("TCP Alias: web:80", Duration.ofSeconds(15));
        assertThat(tuns.server.registry().httpTunnel("web.localhost")).isEmpty();
        assertThat(viaW(stranger, "web:80")).contains("hello from backend");
    }

    @Test
    void aliasLoadBalancerSpreadsConnections() throws Exception {
        tuns.ssh("-R", "shared:4000:127.0.0.1:" + a.port(), "127.0.0.1", "tcp-aliases-allowed-users=any")
                .await("TCP Alias: shared:4000", Duration.ofSeconds(15));
        tuns.ssh("-R", "shared:4000:127.0.0.1:" + b.port(), "127.0.0.1", "tcp-aliases-allowed-users=any")
                .await("TCP Alias: shared:4000", Duration.ofSeconds(15));
        a.requests.clear();
        b.requests.clear();
        for (int i = 0; i < 4; i++) {
            assertThat(viaW(stranger, "shared:4000")).contains("hello from backend");
        }
        assertThat(a.requests).hasSize(2);
        assertThat(b.requests).hasSize(2);
    }

    @Test
    void aBalancedAliasSkipsAMemberWhoseChannelWillNotOpen() throws Exception {
        int dead;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            dead = s.getLocalPort(); // the first member's ssh client refuses every channel
        }
        tuns.ssh("-R", "halfdead:4100:127.0.0.1:" + dead, "127.0.0.1", "tcp-aliases-allowed-users=any")
                .await("TCP Alias: halfdead:4100", Duration.ofSeconds(15));
        tuns.ssh("-R", "halfdead:4100:127.0.0.1:" + b.port(), "127.0.0.1", "tcp-aliases-allowed-users=any")
                .await("TCP Alias: halfdead:4100", Duration.ofSeconds(15));
        b.requests.clear();
        for (int i = 0; i < 4; i++) {
            assertThat(viaW(stranger, "halfdead:4100")).as("connection %d", i).contains("hello from backend");
        }
        assertThat(b.requests).hasSize(4);
    }

    @Test
    void forceHttpsRedirectsPlainHttpForThatTunnelOnly() throws Exception {
        tuns.ssh("-R", "fh:80:127.0.0.1:" + a.port(), "127.0.0.1", "force-https=true").httpUrl();
        tuns.ssh("-R", "plain:80:127.0.0.1:" + a.port(), "127.0.0.1").httpUrl();
        HttpResponse<String> r = tuns.get("fh.localhost", "/hello");
        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(r.headers().firstValue("location")).contains("https://fh.localhost:" + tuns.server.httpsPort() + "/hello");
        assertThat(tuns.get("plain.localhost", "/hello").statusCode()).isEqualTo(200);
    }

    /** Issue #14 item 8: random aliases have --bind-random-aliases-length characters, not the subdomain length. */
    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void randomAliasesHaveTheConfiguredLength() throws Exception {
        try (TunsFixture random = TunsFixture.start("--bind-random-aliases", "--bind-random-aliases-length=9")) {
            String name = random.ssh("-R", "wanted:22:127.0.0.1:" + a.port(), "127.0.0.1")
                    .await("TCP Alias: ([a-z0-9]+):22", Duration.ofSeconds(15));
            assertThat(name).hasSize(9).isNotEqualTo("wanted");
        }
    }
}
