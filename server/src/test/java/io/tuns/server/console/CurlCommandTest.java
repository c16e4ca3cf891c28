package io.tuns.server.console;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class CurlCommandTest {

    @Test
    void onlyPlainTextStaysInTheCommandLine() {
        assertThat(CurlCommand.needsBodyFile("{\"a\":\"é\"}\r\n\tx".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(CurlCommand.needsBodyFile(new byte[] {'a', 0, 'b'})).as("NUL").isTrue();
        assertThat(CurlCommand.needsBodyFile(new byte[] {(byte) 0xff, (byte) 0xfe})).as("invalid UTF-8").isTrue();
        assertThat(CurlCommand.needsBodyFile("bell\u0007".getBytes(StandardCharsets.UTF_8))).as("control").isTrue();
        assertThat(CurlCommand.needsBodyFile("del\u007f".getBytes(StandardCharsets.UTF_8))).as("DEL").isTrue();
        assertThat(CurlCommand.needsBodyFile(new byte[0])).isFalse();
    }
}
