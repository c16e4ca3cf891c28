package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The answer's states and when an exchange is complete, one row per way through. */
class ProxyExchangeTest {

    static ProxyExchange exchange() {
        return new ProxyExchange(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"), "app.localhost");
    }

    /** events: h=head relayed (code), e=body ended, a=answered by tuns (code), r=request done. */
    @ParameterizedTest(name = "{0} -> {1}, started {2}, complete {3}")
    @CsvSource({
            "'',                 AWAITED,       false, false",
            "r,                  AWAITED,       false, false",
            "h200,               STREAMING,     true,  false",
            "h200 e,             DONE,          true,  false",
            "h200 e r,           DONE,          true,  true",
            "r h200 e,           DONE,          true,  true",
            "h100,               INFORMATIONAL, false, false",
            "h100 e,             AWAITED,       false, false",
            "h100 e h200 e r,    DONE,          true,  true",
            "h101,               STREAMING,     true,  false",
            "h101 e,             UPGRADED,      true,  false",
            "h101 e r,           UPGRADED,      true,  false",
            "a502,               DONE,          true,  false",
            "a502 r,             DONE,          true,  true",
            "h100 e a502 r,      DONE,          true,  true",
    })
    void states(String events, ProxyExchange.Response state, boolean started, boolean complete) {
        ProxyExchange ex = exchange();
        for (String e : events.split(" ")) {
            if (e.isEmpty()) {
                continue;
            }
            switch (e.charAt(0)) {
                case 'h' -> ex.headRelayed(Integer.parseInt(e.substring(1)));
                case 'e' -> ex.bodyEnded();
                case 'a' -> ex.answered(Integer.parseInt(e.substring(1)));
                case 'r' -> ex.requestDone = true;
                default -> throw new IllegalArgumentException(e);
            }
        }
        assertThat(ex.response()).isEqualTo(state);
        assertThat(ex.responseStarted()).isEqualTo(started);
        assertThat(ex.complete()).isEqualTo(complete);
    }

    @Test
    void statusIsTheRealHeadsNotAnInformationalOne() {
        ProxyExchange ex = exchange();
        ex.headRelayed(100);
        ex.bodyEnded();
        ex.headRelayed(201);
        assertThat(ex.status()).isEqualTo(201);
    }
}
