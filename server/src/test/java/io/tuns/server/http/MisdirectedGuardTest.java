package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MisdirectedGuardTest {

    /** A passed connection answers 421 only for another name that no local tunnel serves. */
    @ParameterizedTest(name = "host={0} served={1} → {2}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            a.example.com | false | false
            a.example.com | true  | false
            b.example.com | true  | false
            b.example.com | false | true
            -             | false | false
            """)
    void decides(String host, boolean servedHere, boolean misdirected) {
        assertThat(MisdirectedGuard.misdirected(host, "a.example.com", servedHere)).isEqualTo(misdirected);
    }

    @ParameterizedTest(name = "{0} passthrough={1}")
    @CsvSource(delimiter = ';', textBlock = """
            a.example.com ; true ; sni|a.example.com,http|a.example.com,http|*.example.com,http|*.com
            a.example.com ; false ; http|a.example.com,http|*.example.com,http|*.com
            """)
    void aTlsNameIsLookedUpAsPassthroughFirstThenHttp(String host, boolean passthrough, String routes) {
        assertThat(String.join(",", ClusterTlsPeek.routes(host, passthrough))).isEqualTo(routes);
    }
}
