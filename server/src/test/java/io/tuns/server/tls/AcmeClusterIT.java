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
}
