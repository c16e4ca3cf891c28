package io.tuns.server.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.TunsServer;
import io.tuns.server.config.ConfigLoader;
import io.tuns.server.it.Curl;
import io.tuns.server.it.SshClient;
import io.tuns.server.it.TestBackend;
import io.tuns.server.it.TunsFixture;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On-demand certificates against Debian's pebble. Validation is real: pebble resolves the tunnel's name through
 * pebble-challtestsrv (every name → 127.0.0.1) and fetches the HTTP-01 token from tuns' plain HTTP listener, whose
 * port the pebble config names (sish would need port 80, which a test cannot bind).
 */
class AcmeIT {

    @TempDir
    Path tmp;
    Pebble pebble;
    TunsServer server;
    TestBackend backend;
    SshClient ssh;

    @AfterEach
    void tearDown() throws Exception {
        if (ssh != null) {
            ssh.close();
        }
        if (server != null) {
            server.close();
        }
        if (backend != null) {
            backend.close();
        }
        if (pebble != null) {
            pebble.close();
        }
    }

    @Test
    void aHandshakeForATunnelWithoutCertificateGetsOneIssuedByTheCa() throws Exception {
        pebble = new Pebble(Files.createDirectories(tmp.resolve("pebble")));
        Path certs = tmp.resolve("ssl");
        Path pubkeys = Files.createDirectories(tmp.resolve("pubkeys"));
        Path key = TunsFixture.keygen(tmp, "user");
        Files.copy(Path.of(key + ".pub"), pubkeys.resolve("user.pub"));
        Path tlsCa = tmp.resolve("pebble").resolve("pebble-tls-ca.pem"); // written by pebble.start, read at issuance
        server = new TunsServer(ConfigLoader.fromArgs("--ssh-address=127.0.0.1:0", "--http-address=127.0.0.1:0",
                "--domain=localhost", "--private-keys-directory=" + tmp.resolve("hostkeys"),
                "--authentication-keys-directory=" + pubkeys, "--bind-random-subdomains=false",
                "--https", "--https-address=127.0.0.1:0", "--https-certificate-directory=" + certs,
                "--https-ondemand-certificate", "--https-ondemand-certificate-accept-terms",
                "--https-ondemand-certificate-email=ops@example.org"),
                new AcmeSettings(URI.create(pebble.directoryUrl()), tlsCa));
        server.start();
        pebble.start(server.httpPort());
        assertThat(pebble.tlsCa()).isEqualTo(tlsCa);
        backend = new TestBackend();
        ssh = SshClient.start(server.sshPort(), key, List.of("-R", "myapp:80:127.0.0.1:" + backend.port(),
                "127.0.0.1"));
        ssh.await("HTTPS: (https://\\S+)", Duration.ofSeconds(15));
        int port = server.httpsPort();

        X509Certificate first = TlsProbe.leaf(port, "myapp.localhost");
        assertThat(first.getSubjectX500Principal()).as("the first handshake gets the fallback at once")
                .isEqualTo(first.getIssuerX500Principal());

        // a few seconds on an idle machine; the bound is generous for shared CI runners
        X509Certificate issued = first;
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (issued.getSubjectX500Principal().equals(issued.getIssuerX500Principal()) && System.nanoTime() < end) {
            Thread.sleep(100);
            issued = TlsProbe.leaf(port, "myapp.localhost");
        }

        X509Certificate intermediate = pem(pebble.management("intermediates/0"));
        assertThat(issued.getIssuerX500Principal()).as("issued by pebble; pebble log:\n" + pebble.log("pebble"))
                .isEqualTo(intermediate.getSubjectX500Principal());
        assertThat(CertificatePair.hostsOf(issued)).containsExactly("myapp.localhost");
        assertThat(certs.resolve("myapp.localhost.crt")).exists();
        assertThat(certs.resolve("myapp.localhost.key")).exists();

        // the served chain verifies against pebble's root with the real curl
        Path root = tmp.resolve("pebble-root.pem");
        Files.writeString(root, pebble.management("roots/0"));
        Curl.Result hello = Curl.run("--cacert", root.toString(), "--resolve", "myapp.localhost:" + port
                + ":127.0.0.1", "https://myapp.localhost:" + port + "/hello");
        assertThat(hello.out()).isEqualTo("hello from backend\n");

        // a name no tunnel uses gets the fallback and no certificate
        TlsProbe.leaf(port, "nobody.localhost");
        Thread.sleep(500);
        assertThat(certs.resolve("nobody.localhost.crt")).doesNotExist();
    }

    @Test
    void anIssuedCertificateCloseToExpiryIsRenewedWhileAHandPlacedOneIsLeftAlone() throws Exception {
        pebble = new Pebble(Files.createDirectories(tmp.resolve("pebble")));
        Path certs = Files.createDirectories(tmp.resolve("ssl"));
        // two certificates with two days left: one marked as issued by tuns's ACME client, one put there by hand
        openssl(certs, "myapp.localhost");
        openssl(certs, "manual.localhost");
        Files.createDirectories(certs.resolve("acme/issued"));
        Files.writeString(certs.resolve("acme/issued/myapp.localhost"), "");
        Path pubkeys = Files.createDirectories(tmp.resolve("pubkeys"));
        Path key = TunsFixture.keygen(tmp, "user");
        Files.copy(Path.of(key + ".pub"), pubkeys.resolve("user.pub"));
        Path tlsCa = tmp.resolve("pebble").resolve("pebble-tls-ca.pem");
        server = new TunsServer(ConfigLoader.fromArgs("--ssh-address=127.0.0.1:0", "--http-address=127.0.0.1:0",
                "--domain=localhost", "--private-keys-directory=" + tmp.resolve("hostkeys"),
                "--authentication-keys-directory=" + pubkeys, "--bind-random-subdomains=false",
                "--https", "--https-address=127.0.0.1:0", "--https-certificate-directory=" + certs,
                "--https-ondemand-certificate", "--https-ondemand-certificate-accept-terms"),
                new AcmeSettings(URI.create(pebble.directoryUrl()), tlsCa, Duration.ofSeconds(1)));
        server.start();
        pebble.start(server.httpPort());
        backend = new TestBackend();
        int port = server.httpsPort();
        X509Certificate before = TlsProbe.leaf(port, "myapp.localhost");
        assertThat(before.getSubjectX500Principal()).as("the expiring certificate is served at first")
                .isEqualTo(before.getIssuerX500Principal());
        ssh = SshClient.start(server.sshPort(), key, List.of("-R", "myapp:80:127.0.0.1:" + backend.port(),
                "-R", "manual:80:127.0.0.1:" + backend.port(), "127.0.0.1"));
        ssh.await("HTTPS: https://manual", Duration.ofSeconds(15));

        X509Certificate renewed = before;
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (renewed.getSerialNumber().equals(before.getSerialNumber()) && System.nanoTime() < end) {
            Thread.sleep(200);
            renewed = TlsProbe.leaf(port, "myapp.localhost");
        }
        X509Certificate intermediate = pem(pebble.management("intermediates/0"));
        assertThat(renewed.getIssuerX500Principal()).as("renewed by pebble; pebble log:\n" + pebble.log("pebble"))
                .isEqualTo(intermediate.getSubjectX500Principal());
        assertThat(renewed.getNotAfter()).isAfter(before.getNotAfter());
        // several more renewal checks (1 s apart) and the CA's issuance time: a wrongful renewal would have landed
        Thread.sleep(5000);
        assertThat(Files.exists(certs.resolve("acme/issued/manual.localhost"))).isFalse();
        X509Certificate manual = TlsProbe.leaf(port, "manual.localhost");
        assertThat(manual.getSubjectX500Principal()).as("a certificate tuns did not issue is never replaced")
                .isEqualTo(manual.getIssuerX500Principal());
        Path root = tmp.resolve("pebble-root.pem");
        Files.writeString(root, pebble.management("roots/0"));
        assertThat(Curl.run("--cacert", root.toString(), "--resolve", "myapp.localhost:" + port + ":127.0.0.1",
                "https://myapp.localhost:" + port + "/hello").out()).isEqualTo("hello from backend\n");
    }

    private static void openssl(Path dir, String host) throws Exception {
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=" + host,
                "-addext", "subjectAltName=DNS:" + host, "-keyout", dir.resolve(host + ".key").toString(),
                "-out", dir.resolve(host + ".crt").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
    }

    static X509Certificate pem(String text) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)));
    }
}
