package io.tuns.alertbot.irc;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class FailureClassifierTest {
    private static FailureReason reason(Throwable t) {
        return FailureClassifier.classify(t, null, null, null, false).reason();
    }

    @Test
    void classifiesTheLibraryExceptions() {
        assertThat(reason(new RuntimeException(new UnknownHostException("bouncer.invalid")))).isEqualTo(FailureReason.DNS);
        assertThat(reason(new ConnectException("Connection refused: /127.0.0.1:1"))).isEqualTo(FailureReason.CONNECTION_REFUSED);
        assertThat(reason(new ConnectTimeoutException("connection timed out"))).isEqualTo(FailureReason.TIMEOUT);
        assertThat(reason(new SSLHandshakeException("bad"))).isEqualTo(FailureReason.TLS);
        assertThat(reason(null)).isEqualTo(FailureReason.CONNECTION_LOST);
    }

    @Test
    void authAndTlsRejectionsArePermanent() {
        Failure auth = FailureClassifier.classify(null, null, null, "464 Invalid Password", true);
        assertThat(auth.reason()).isEqualTo(FailureReason.AUTH_REJECTED);
        assertThat(auth.permanent()).isTrue();
        Failure tls = FailureClassifier.classify(new SSLHandshakeException("x"), "certificate is for a, not b", null, null, false);
        assertThat(tls.reason()).isEqualTo(FailureReason.TLS);
        assertThat(tls.permanent()).isTrue();
        Failure err = FailureClassifier.classify(null, null, "Closing link: (Excess Flood)", null, true);
        assertThat(err.reason()).isEqualTo(FailureReason.SERVER_ERROR);
        assertThat(FailureClassifier.classify(null, null, "Invalid Password", null, false).reason())
                .isEqualTo(FailureReason.AUTH_REJECTED);
    }

    @Test
    void aHandshakeNobodyAnswersIsATimeoutNotATlsProblem() {
        Failure f = FailureClassifier.classify(new SslHandshakeTimeoutException("handshake timed out after 10000ms"),
                null, null, null, false);
        assertThat(f.reason()).isEqualTo(FailureReason.TIMEOUT);
        assertThat(f.permanent()).isFalse();
        assertThat(f.summary()).isEqualTo("connect timeout: no answer to the TLS handshake (handshake timed out after 10000ms)");
    }

    @Test
    void summaryDoesNotRepeatTheReason() {
        assertThat(FailureClassifier.classify(new ConnectException("Connection refused: /127.0.0.1:6697"), null, null,
                null, false).summary()).isEqualTo("connection refused: /127.0.0.1:6697");
        assertThat(new Failure(FailureReason.CONNECTION_REFUSED, "Connection refused", false).summary())
                .isEqualTo("connection refused");
        assertThat(new Failure(FailureReason.PING_TIMEOUT, "nothing received for 90s", false).summary())
                .isEqualTo("ping timeout: nothing received for 90s");
    }

    @Test
    void anUnloadableTrustStoreIsAPermanentTlsFailure() {
        Failure f = FailureClassifier.classify(new IllegalStateException("cannot load trust store",
                new CertificateException("no certificate in /etc/tuns/bouncer-ca.pem")), null, null,
                null, false);
        assertThat(f.reason()).isEqualTo(FailureReason.TLS);
        assertThat(f.permanent()).isTrue();
        assertThat(f.summary()).isEqualTo(
                "TLS handshake failed: trust-ca-file unusable: no certificate in /etc/tuns/bouncer-ca.pem");
    }
}
