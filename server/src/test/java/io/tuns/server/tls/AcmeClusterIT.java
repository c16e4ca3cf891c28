package io.tuns.server.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.TunsServer;
import io.tuns.server.cluster.RedisServer;
import io.tuns.server.config.ConfigLoader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * ACME across two cluster nodes in one JVM sharing a real redis-server: node A orders, and pebble validates HTTP-01
 * against node B's plain HTTP port only. The name is the root domain, which no hop carries to A, so B can answer
 * only from the answers A published in the store.
 */
@Timeout(120)
class AcmeClusterIT {

    private static final String DOMAIN = "tuns.localhost";

    @TempDir
    Path tmp;
    RedisServer redis;
    Pebble pebble;
    TunsServer a;
    TunsServer b;

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {a, b, pebble, redis}) {
            if (c != null) {
                c.close();
            }
        }
    }

    private TunsServer node(String id, Path tlsCa) throws Exception {
        TunsServer s = new TunsServer(ConfigLoader.fromArgs("--ssh-address=127.0.0.1:0", "--http-address=127.0.0.1:0",
                "--domain=" + DOMAIN, "--private-keys-directory=" + tmp.resolve("hostkeys"),
                "--authentication-keys-directory=" + Files.createDirectories(tmp.resolve("pubkeys")),
                "--cluster-store=" + redis.uri(), "--cluster-node-id=" + id,
                "--cluster-listen=127.0.0.1:0", "--cluster-node-ttl=2s", "--cluster-drain-timeout=1s",
                "--https", "--https-address=127.0.0.1:0", "--https-certificate-directory=" + tmp.resolve("ssl"),
                "--https-ondemand-certificate", "--https-ondemand-certificate-accept-terms"),
                new AcmeSettings(URI.create(pebble.directoryUrl()), tlsCa));
        s.start();
        return s;
    }

    @Test
    void nodeBAnswersTheChallengeOfNodeAsOrder() throws Exception {
        redis = RedisServer.start();
        pebble = new Pebble(Files.createDirectories(tmp.resolve("pebble")));
        Path tlsCa = tmp.resolve("pebble").resolve("pebble-tls-ca.pem"); // written by pebble.start, read at issuance
        a = node("a", tlsCa);
        b = node("b", tlsCa);
        pebble.start(b.httpPort()); // the CA reaches node B only

        X509Certificate first = TlsProbe.leaf(a.httpsPort(), DOMAIN);
        assertThat(first.getSubjectX500Principal()).as("the fallback at once")
                .isEqualTo(first.getIssuerX500Principal());
        X509Certificate issued = first;
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (issued.getSubjectX500Principal().equals(issued.getIssuerX500Principal()) && System.nanoTime() < end) {
            Thread.sleep(100);
            issued = TlsProbe.leaf(a.httpsPort(), DOMAIN);
        }
        X509Certificate intermediate = AcmeIT.pem(pebble.management("intermediates/0"));
        assertThat(issued.getIssuerX500Principal()).as("issued by pebble after B answered; pebble log:\n"
                + pebble.log("pebble")).isEqualTo(intermediate.getSubjectX500Principal());
        assertThat(CertificatePair.hostsOf(issued)).containsExactly(DOMAIN);
        assertThat(redis.command("KEYS tuns:acme:l:*")).as("the order lock is released").isEqualTo("*0");
    }

    /**
     * Both nodes asked for the same new name at the same moment: the order lock in the store lets one order, the
     * other finds the certificate in the shared directory. Pebble's log counts the orders it was sent.
     */
    @Test
    void twoNodesAskedAtOnceOrderOnce() throws Exception {
        redis = RedisServer.start();
        pebble = new Pebble(Files.createDirectories(tmp.resolve("pebble")));
        Path tlsCa = tmp.resolve("pebble").resolve("pebble-tls-ca.pem");
        a = node("a", tlsCa);
        b = node("b", tlsCa);
        pebble.start(b.httpPort());

        CyclicBarrier together = new CyclicBarrier(2);
        CompletableFuture<X509Certificate> onA = CompletableFuture.supplyAsync(() -> probeAfter(together, a));
        CompletableFuture<X509Certificate> onB = CompletableFuture.supplyAsync(() -> probeAfter(together, b));
        assertThat(onA.get(30, java.util.concurrent.TimeUnit.SECONDS)).isNotNull();
        assertThat(onB.get(30, java.util.concurrent.TimeUnit.SECONDS)).isNotNull();
        X509Certificate intermediate = AcmeIT.pem(pebble.management("intermediates/0"));
        for (TunsServer node : new TunsServer[] {a, b}) {
            X509Certificate issued = TlsProbe.leaf(node.httpsPort(), DOMAIN);
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!issued.getIssuerX500Principal().equals(intermediate.getSubjectX500Principal())
                    && System.nanoTime() < end) {
                Thread.sleep(100);
                issued = TlsProbe.leaf(node.httpsPort(), DOMAIN);
            }
            assertThat(issued.getIssuerX500Principal()).as("both nodes serve the issued certificate")
                    .isEqualTo(intermediate.getSubjectX500Principal());
        }
        String log = pebble.log("pebble");
        assertThat(Pattern.compile("Added order").matcher(log).results().count())
                .as("one order for the name cluster-wide; pebble log:\n" + log).isEqualTo(1);
        assertThat(redis.command("KEYS tuns:acme:l:*")).as("the order lock is released").isEqualTo("*0");
    }

    private static X509Certificate probeAfter(CyclicBarrier together, TunsServer node) {
        try {
            together.await(10, java.util.concurrent.TimeUnit.SECONDS);
            return TlsProbe.leaf(node.httpsPort(), DOMAIN);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
