package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Upgrades pass through, and a quiet WebSocket is not cut by any idle timer. */
class WebSocketIT {

    static TunsFixture tuns;
    static TestBackend backend;

    @BeforeAll
    static void start() throws Exception {
        tuns = TunsFixture.start();
        backend = new TestBackend();
        tuns.ssh("-R", "ws:80:127.0.0.1:" + backend.port(), "127.0.0.1").httpUrl();
    }

    @AfterAll
    static void stop() throws Exception {
        tuns.close();
        backend.close();
    }

    @Test
    void webSocketEchoSurvivesThirtySecondsOfSilence() throws Exception {
        LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
        WebSocket ws = tuns.http.newWebSocketBuilder()
                .header("Host", "ws.localhost:" + tuns.server.httpPort())
                .buildAsync(URI.create("ws://127.0.0.1:" + tuns.server.httpPort() + "/ws"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        received.add(data.toString());
                        webSocket.request(1);
                        return CompletableFuture.completedFuture(null);
                    }
                }).get(10, TimeUnit.SECONDS);
        ws.sendText("first", true).get(5, TimeUnit.SECONDS);
        assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("echo:first");
        Thread.sleep(30_000);
        ws.sendText("after silence", true).get(5, TimeUnit.SECONDS);
        assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("echo:after silence");
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
    }

    @Test
    void expectContinueIsRelayedBeforeTheBodyIsSent() throws Exception {
        try (Socket s = new Socket("127.0.0.1", tuns.server.httpPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(("POST /sha256 HTTP/1.1\r\nHost: ws.localhost\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(StreamingIT.readUntil(in, "\r\n\r\n")).startsWith("HTTP/1.1 100 Continue");
            out.write("abc".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String rest = StreamingIT.readUntil(in, " 3\n");
            assertThat(rest).startsWith("HTTP/1.1 200 OK");
            assertThat(rest).endsWith("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad 3\n");
        }
    }
}
