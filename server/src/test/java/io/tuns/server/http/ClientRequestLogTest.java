package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClientRequestLogTest {

    @Test
    void latencyIsPrintedTheWayGoPrintsADuration() {
        assertThat(ClientRequestLog.goDuration(850)).isEqualTo("850ns");
        assertThat(ClientRequestLog.goDuration(512_000)).isEqualTo("512µs");
        assertThat(ClientRequestLog.goDuration(1_234_567)).isEqualTo("1.235ms");
        assertThat(ClientRequestLog.goDuration(2_500_000_000L)).isEqualTo("2.5s");
    }
}
