package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Services that speak TLS ({@code -R name:443:…}): tuns opens a TLS session inside the tunnel, sends the public
 * name as SNI and, with --verify-ssl, checks the certificate against it. The services are the JDK's HttpsServer
 * with certificates made by keytool; tuns trusts them through the standard javax.net.ssl.trustStore property.
 */
class TlsBackendIT {

    static Path dir;
    static HttpsServer trusted;   // certificate for secure.localhost, in tuns's trust store
    static HttpsServer untrusted; // self-signed for other.localhost, in no trust store
    static Path key;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("tuns-tlsbackend");
        key = TunsFixture.authorisedKeyIn(dir);
        keytool("-genkeypair", "-alias", "svc", "-keyalg", "EC", "-dname", "CN=secure.localhost",
                "-ext", "SAN=dns:secure.localhost", "-validity", "2", "-keystore", dir.resolve("trusted.p12").toString(),
                "-storepass", "changeit");
        keytool("-exportcert", "-rfc", "-alias", "svc", "-keystore", dir.resolve("trusted.p12").toString(),
                "-storepass", "changeit", "-file", dir.resolve("trusted.pem").toString());
        keytool("-importcert", "-noprompt", "-alias", "svc", "-file", dir.resolve("trusted.pem").toString(),
                "-keystore", dir.resolve("truststore.p12").toString(), "-storepass", "changeit");
        keytool("-genkeypair", "-alias", "svc", "-keyalg", "EC", "-dname", "CN=other.localhost",
                "-ext", "SAN=dns:other.localhost", "-validity", "2", "-keystore", dir.resolve("untrusted.p12").toString(),
                "-storepass", "changeit");
        trusted = service(dir.resolve("trusted.p12"));
        untrusted = service(dir.resolve("untrusted.p12"));
    }

    @AfterAll
    static void stop() {
        trusted.stop(0);
        untrusted.stop(0);
    }

    @Test
    void verifiedServiceGetsTheRequestWithThePublicNameAsSniAndWrongNamesAreRefusedClearly() throws Exception {
        try (ForkedTuns tuns = ForkedTuns.start(dir, List.of("-Xmx128m",
                "-Djavax.net.ssl.trustStore=" + dir.resolve("truststore.p12"), "-Djavax.net.ssl.trustStorePassword=changeit"));
             SshClient ssh = SshClient.start(tuns.sshPort, key, List.of(
                     "-R", "secure:443:127.0.0.1:" + trusted.getAddress().getPort(),
                     "-R", "wrongname:443:127.0.0.1:" + trusted.getAddress().getPort(),
                     "-R", "other:443:127.0.0.1:" + untrusted.getAddress().getPort(), "127.0.0.1"))) {
            ssh.await("Starting SSH Forwarding service for https:443", Duration.ofSeconds(15));
            ssh.await("HTTP: http://other.localhost", Duration.ofSeconds(15));
            Curl.Result ok = Curl.run("-H", "Host: secure.localhost", "http://127.0.0.1:" + tuns.httpPort + "/hi");
            assertThat(ok.out()).isEqualTo("GET /hi over TLS, sni=secure.localhost, host=secure.localhost");

            byte[] body = TestBackend.pattern(0, 2 * 1024 * 1024, 3);
            Path file = dir.resolve("body.bin");
            Files.write(file, body);
            Curl.Result posted = Curl.run("-H", "Host: secure.localhost", "--data-binary", "@" + file,
                    "http://127.0.0.1:" + tuns.httpPort + "/sha256");
            assertThat(posted.out()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)));

            Curl.Result wrongName = Curl.run("-w", "%{http_code}", "-H", "Host: wrongname.localhost",
                    "http://127.0.0.1:" + tuns.httpPort + "/hi");
            assertThat(wrongName.out()).as("certificate is for secure.localhost").endsWith("502")
                    .contains("TLS session failed", "valid for wrongname.localhost", "--verify-ssl");
            Curl.Result untrustedChain = Curl.run("-w", "%{http_code}", "-H", "Host: other.localhost",
                    "http://127.0.0.1:" + tuns.httpPort + "/hi");
            assertThat(untrustedChain.out()).as("self-signed, not in the trust store").endsWith("502")
                    .contains("TLS session failed");
            assertThat(Curl.run("-H", "Host: secure.localhost", "http://127.0.0.1:" + tuns.httpPort + "/again").out())
                    .as("the server carries on").startsWith("GET /again over TLS");
        }
    }

    @Test
    void verifySslFalseAcceptsAnyCertificateAndTheRequestPortOverrideCountsAsHttps() throws Exception {
        try (ForkedTuns tuns = ForkedTuns.start(dir, List.of("-Xmx128m"), "--verify-ssl=false",
                "--https-request-port-override=8443");
             SshClient ssh = SshClient.start(tuns.sshPort, key, List.of(
                     "-R", "other:443:127.0.0.1:" + untrusted.getAddress().getPort(),
                     "-R", "alt:8443:127.0.0.1:" + untrusted.getAddress().getPort(), "127.0.0.1"))) {
            ssh.await("Starting SSH Forwarding service for https:8443", Duration.ofSeconds(15));
            ssh.await("HTTP: http://alt.localhost", Duration.ofSeconds(15));
            assertThat(Curl.run("-H", "Host: other.localhost", "http://127.0.0.1:" + tuns.httpPort + "/x").out())
                    .isEqualTo("GET /x over TLS, sni=other.localhost, host=other.localhost");
            assertThat(Curl.run("-H", "Host: alt.localhost", "http://127.0.0.1:" + tuns.httpPort + "/y").out())
                    .isEqualTo("GET /y over TLS, sni=alt.localhost, host=alt.localhost");
        }
    }

    private static HttpsServer service(Path keystore) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(keystore.toFile())) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), null, null);
        HttpsServer s = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.setHttpsConfigurator(new HttpsConfigurator(ssl));
        s.createContext("/", ex -> {
            byte[] out;
            if (ex.getRequestURI().getPath().equals("/sha256")) {
                try (InputStream in = ex.getRequestBody()) {
                    MessageDigest md = MessageDigest.getInstance("SHA-256");
                    byte[] buf = new byte[65536];
                    for (int n; (n = in.read(buf)) > 0; ) {
                        md.update(buf, 0, n);
                    }
                    out = HexFormat.of().formatHex(md.digest()).getBytes(StandardCharsets.UTF_8);
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IOException(e);
                }
            } else {
                String sni = ((ExtendedSSLSession) ((HttpsExchange) ex).getSSLSession()).getRequestedServerNames()
                        .stream().map(n -> ((SNIHostName) n).getAsciiName()).collect(Collectors.joining(","));
                out = (ex.getRequestMethod() + " " + ex.getRequestURI() + " over TLS, sni=" + sni + ", host="
                        + ex.getRequestHeaders().getFirst("Host")).getBytes(StandardCharsets.UTF_8);
            }
            ex.sendResponseHeaders(200, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        s.start();
        return s;
    }

    private static void keytool(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("keytool failed: " + out);
        }
    }
}
