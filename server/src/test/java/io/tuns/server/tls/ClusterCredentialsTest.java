package io.tuns.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuns.server.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad --cluster-tls-* files: one line naming the flag and the file, never a stack trace. Certificates by openssl. */
class ClusterCredentialsTest {

    @TempDir
    static Path dir;
    static Openssl.Ca ca;
    static Openssl.Ca other;

    @BeforeAll
    static void certificates() throws Exception {
        ca = Openssl.ca(dir, "cluster");
        other = Openssl.ca(dir, "other");
        Openssl.clusterNode(ca, dir, "n1");
        Openssl.clusterNode(ca, dir, "n2");
        Openssl.clusterNode(other, dir, "stranger");
    }

    @Test
    void aNodeCertificateFromTheClusterCaLoads() {
        assertThat(ClusterCredentials.load(dir.resolve("n1.crt"), dir.resolve("n1.key"), ca.cert())).isNotNull();
    }

    @Test
    void aFileWithoutACertificateNamesItsFlag() throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.pem"), "not a certificate\n");
        assertThatThrownBy(() -> ClusterCredentials.load(junk, dir.resolve("n1.key"), ca.cert()))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("--cluster-tls-cert " + junk + ": ")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> ClusterCredentials.load(dir.resolve("n1.crt"), dir.resolve("n1.key"), junk))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("--cluster-tls-ca " + junk + ": ");
        assertThatThrownBy(() -> ClusterCredentials.load(dir.resolve("n1.crt"), junk, ca.cert()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--cluster-tls-key " + junk + ": junk.pem holds no PEM private key");
    }

    @Test
    void anotherCertificatesKeyIsRefused() {
        assertThatThrownBy(() -> ClusterCredentials.load(dir.resolve("n1.crt"), dir.resolve("n2.key"), ca.cert()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--cluster-tls-key " + dir.resolve("n2.key") + ": the key does not belong to the certificate");
    }

    @Test
    void aCertificateTheClusterCaDidNotSignIsRefusedAtStart() {
        assertThatThrownBy(() -> ClusterCredentials.load(dir.resolve("stranger.crt"), dir.resolve("stranger.key"),
                ca.cert()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--cluster-tls-cert " + dir.resolve("stranger.crt") + ": not signed by the CA in"
                        + " --cluster-tls-ca " + ca.cert() + " (other nodes would refuse this one)");
    }
}
