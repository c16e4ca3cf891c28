package io.tuns.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClusterTlsPolicyTest {

    /** cert/key/ca: 1 = given. Without the three, only a loopback listener runs plain, with a warning. */
    @ParameterizedTest(name = "{0} cert={1} key={2} ca={3} → {4} {5}")
    @CsvSource(delimiter = '|', textBlock = """
            10.0.0.11 | 1 | 1 | 1 | MUTUAL_TLS     |
            127.0.0.1 | 1 | 1 | 1 | MUTUAL_TLS     |
            127.0.0.1 | 0 | 0 | 0 | PLAIN_LOOPBACK |
            127.0.0.13| 0 | 0 | 0 | PLAIN_LOOPBACK |
            ::1       | 0 | 0 | 0 | PLAIN_LOOPBACK |
            localhost | 0 | 0 | 0 | PLAIN_LOOPBACK |
            10.0.0.11 | 0 | 0 | 0 |                | cluster-tls-cert
            0.0.0.0   | 0 | 0 | 0 |                | cluster-tls-cert
            ::        | 0 | 0 | 0 |                | cluster-tls-cert
            node1.lan | 0 | 0 | 0 |                | cluster-tls-cert
            127.0.0.1 | 1 | 0 | 1 |                | cluster-tls-key
            127.0.0.1 | 0 | 1 | 1 |                | cluster-tls-cert
            10.0.0.11 | 1 | 1 | 0 |                | cluster-tls-ca
            """)
    void decides(String host, int cert, int key, int ca, ClusterTlsPolicy.Mode mode, String flag) {
        ClusterTlsPolicy.Decision d = ClusterTlsPolicy.decide(host, cert == 1 ? "/c.pem" : "", key == 1 ? "/k.pem" : "",
                ca == 1 ? "/ca.pem" : "");
        assertThat(d.mode()).isEqualTo(mode);
        assertThat(d.flag()).isEqualTo(flag);
        assertThat(d.problem() == null).isEqualTo(mode != null);
    }
}
