package io.tuns.server.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.it.Curl;
import io.tuns.server.it.SshClient;
import io.tuns.server.it.TestBackend;
import io.tuns.server.it.TunsFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS termination with real tuns, a real OpenSSH tunnel and the real curl checking the certificate chain. */
class HttpsIT {

    @TempDir
    Path tmp;
    Path certs;
    Openssl.Ca ca;
    TestBackend backend;
    TunsFixture tuns;

    @BeforeEach
    void setUp() throws Exception {
        certs = Files.createDirectories(tmp.resolve("ssl"));
        ca = Openssl.ca(tmp, "https-it");
        Openssl.leaf(ca, certs, "myapp.localhost", Openssl.KeyFormat.PKCS1_RSA, "myapp.localhost");
        Openssl.leaf(ca, certs, "localhost", Openssl.KeyFormat.SEC1_EC, "localhost");
        backend = new TestBackend();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (tuns != null) {
            tuns.close();
        }
        backend.close();
    }

    @Test
    void aTunnelIsServedOverTlsWithItsOwnCertificateAndTheBackendSeesHttps() throws Exception {
        tuns = TunsFixture.start("--https", "--https-address=127.0.0.1:0", "--https-certificate-directory=" + certs);
        int port = tuns.server.httpsPort();
        SshClient ssh = tuns.ssh("-R", "myapp:80:127.0.0.1:" + backend.port(), "127.0.0.1");
        assertThat(ssh.await("HTTPS: (https://\\S+)", Duration.ofSeconds(15)))
                .isEqualTo("https://myapp.localhost:" + port);
        assertThat(ssh.output()).contains("HTTP: http://myapp.localhost:" + tuns.server.httpPort());

        String base = "https://myapp.localhost:" + port;
        Curl.Result hello = curlTls(port, base + "/hello");
        assertThat(hello.out()).isEqualTo("hello from backend\n");
        assertThat(hello.exit()).isZero();

        Curl.Result headers = curlTls(port, base + "/headers");
        assertThat(headers.out()).contains("x-forwarded-proto: https", "x-forwarded-port: " + port,
                "x-forwarded-host: myapp.localhost:" + port);

        Curl.Result verbose = Curl.run("-v", "-o", "/dev/null", "--cacert", ca.cert().toString(), "--resolve",
                "myapp.localhost:" + port + ":127.0.0.1", base + "/hello");
        assertThat(verbose.out()).contains("subject: CN=myapp.localhost", "ALPN: server accepted h2",
                "< HTTP/2 200");
    }

    @Test
    void httpsH2FalseOffersHttp11OnlyAndH2ClientsFallBack() throws Exception {
        tuns = TunsFixture.start("--https", "--https-address=127.0.0.1:0", "--https-certificate-directory=" + certs,
                "--https-h2=false");
        int port = tuns.server.httpsPort();
        SshClient ssh = tuns.ssh("-R", "myapp:80:127.0.0.1:" + backend.port(), "127.0.0.1");
        ssh.await("HTTPS: (https://\\S+)", Duration.ofSeconds(15));
        Curl.Result verbose = Curl.run("-v", "--http2", "--cacert", ca.cert().toString(), "--resolve",
                "myapp.localhost:" + port + ":127.0.0.1", "https://myapp.localhost:" + port + "/hello");
        assertThat(verbose.out()).contains("ALPN: server accepted http/1.1", "< HTTP/1.1 200", "hello from backend");
    }

    @Test
    void forceAllHttpsRedirectsPlainRequestsToTheHttpsPortPeopleUse() throws Exception {
        tuns = TunsFixture.start("--https", "--https-address=127.0.0.1:0", "--https-certificate-directory=" + certs,
                "--force-all-https", "--https-port-override=9443");
        SshClient ssh = tuns.ssh("-R", "myapp:80:127.0.0.1:" + backend.port(), "127.0.0.1");
        assertThat(ssh.await("HTTPS: (https://\\S+)", Duration.ofSeconds(15))).isEqualTo("https://myapp.localhost:9443");

        Curl.Result r = Curl.run("-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                "http://myapp.localhost:" + tuns.server.httpPort() + "/hello?x=1");
        assertThat(r.out()).as("sish: c.Redirect(http.StatusFound, …)")
                .isEqualTo("302 https://myapp.localhost:9443/hello?x=1");
        assertThat(backend.requests).as("nothing reached the backend over plain HTTP").isEmpty();

        Curl.Result noTunnel = Curl.run("-o", "/dev/null", "-w", "%{http_code}",
                "http://nothing.localhost:" + tuns.server.httpPort() + "/");
        assertThat(noTunnel.out()).as("only tunnels are redirected").isEqualTo("404");

        int port = tuns.server.httpsPort();
        assertThat(curlTls(port, "https://myapp.localhost:" + port + "/hello").out()).isEqualTo("hello from backend\n");
    }

    private Curl.Result curlTls(int port, String url) throws Exception {
        return Curl.run("--cacert", ca.cert().toString(), "--resolve", "myapp.localhost:" + port + ":127.0.0.1", url);
    }
}
