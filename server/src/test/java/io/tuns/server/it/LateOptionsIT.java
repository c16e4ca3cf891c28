package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.tunnel.Tunnel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.ClientBuilder;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.client.session.ClientSessionCreator;
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue #15: options a slow client sends after its forwards are never dropped, and sish's welcome comes before the
 * forward blocks however late the session opens.
 *
 * <p>The client here is Apache MINA SSHD's, not /usr/bin/ssh: OpenSSH always sends its session channel and exec
 * right behind its forward requests and has no way to delay them, which is exactly the case under test.
 */
class LateOptionsIT {

    static TunsFixture tuns;
    static TestBackend backend;

    @BeforeAll
    static void start() throws Exception {
        tuns = TunsFixture.start("--force-https=true", "--forward-options-wait=2s");
        backend = new TestBackend();
    }

    @AfterAll
    static void stop() throws Exception {
        tuns.close();
        backend.close();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void anExecSentHalfASecondAfterTheForwardStillAppliesItsOptions() throws Exception {
        try (var client = ClientBuilder.builder().build()) {
            client.start();
            try (ClientSession s = login(client)) {
                CompletableFuture<SshdSocketAddress> forward = CompletableFuture.supplyAsync(() -> {
                    try { // blocks until the server replies, i.e. until it has decided the forward
                        return s.startRemotePortForwarding(new SshdSocketAddress("late", 80),
                                new SshdSocketAddress("127.0.0.1", backend.port()));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                Thread.sleep(500); // well past the 200 ms shortcut
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                try (ChannelExec exec = s.createExecChannel("force-https=true")) {
                    exec.setOut(out);
                    exec.open().verify(Duration.ofSeconds(10));
                    forward.get(10, TimeUnit.SECONDS);
                    Tunnel t = tuns.server.registry().httpTunnel("late.localhost").orElseThrow();
                    assertThat(t.options().forceHttps()).as("force-https sent 500 ms late").isTrue();
                    awaitText(out, "Force https for connection set to: true\r\n");
                }
            }
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void theWelcomeComesFirstEvenWhenTheBlocksWereQueuedBeforeTheSessionOpened() throws Exception {
        try (TunsFixture quick = TunsFixture.start("--forward-options-wait=200ms");
             var client = ClientBuilder.builder().build()) {
            client.start();
            try (ClientSession s = loginTo(client, quick)) {
                // decided after 200 ms without options: its block waits in the queue for a session channel
                s.startRemotePortForwarding(new SshdSocketAddress("early", 80),
                        new SshdSocketAddress("127.0.0.1", backend.port()));
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                try (ChannelShell shell = s.createShellChannel()) {
                    shell.setUsePty(false);
                    shell.setOut(out);
                    shell.open().verify(Duration.ofSeconds(10));
                    awaitText(out, "\u001b[44mHTTP\u001b[0m: http://early.localhost:" + quick.server.httpPort() + "\r\n\r\n");
                    // sish channels.go: the welcome in BgRed + "\r\n" + "\r\n", then the queued messages
                    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(
                            "\u001b[41mPress Ctrl-C to close the session.\u001b[0m\r\n\r\n"
                                    + "Starting SSH Forwarding service for \u001b[32mhttp:80\u001b[0m."
                                    + " Forwarded connections can be accessed via the following methods:\r\n"
                                    + "\u001b[44mHTTP\u001b[0m: http://early.localhost:" + quick.server.httpPort()
                                    + "\r\n\r\n");
                }
            }
        }
    }

    private static ClientSession login(ClientSessionCreator client) throws Exception {
        return loginTo(client, tuns);
    }

    private static ClientSession loginTo(ClientSessionCreator client, TunsFixture server) throws Exception {
        ClientSession s = client.connect("user", "127.0.0.1", server.server.sshPort())
                .verify(Duration.ofSeconds(10)).getSession();
        for (KeyPair kp : new FileKeyPairProvider(server.userKey).loadKeys(s)) {
            s.addPublicKeyIdentity(kp);
        }
        s.auth().verify(Duration.ofSeconds(10));
        return s;
    }

    private static void awaitText(ByteArrayOutputStream out, String text) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!out.toString(StandardCharsets.UTF_8).contains(text)) {
            assertThat(System.nanoTime()).as("waiting for %s in %s", text, out).isLessThan(end);
            Thread.sleep(50);
        }
    }
}
