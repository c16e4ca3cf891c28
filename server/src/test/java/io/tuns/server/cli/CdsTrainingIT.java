package io.tuns.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/**
 * The launcher's training run ({@code --cds-training}), in process: on JDK 25+ bin/tuns asks it for thousands of
 * keep-alive requests so the AOT cache holds profiles of the proxy path; every one must go through a real tunnel.
 */
class CdsTrainingIT {

    @Test
    void keepAliveRequestsAllGoThroughTheTrainingTunnel() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int code = CdsTraining.run(new PrintWriter(out, true), new PrintWriter(err, true), 203);

        assertThat(code).isZero();
        assertThat(err.toString()).contains("tuns: cds training: 203 of 203 keep-alive requests answered")
                .doesNotContain("stopped early");
    }

    @Test
    void withoutKeepAliveRequestsTheTrainingIsTheFirstTunnelOnly() {
        StringWriter err = new StringWriter();

        int code = CdsTraining.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), 0);

        assertThat(code).isZero();
        assertThat(err.toString()).doesNotContain("keep-alive").doesNotContain("stopped early");
    }
}
