package io.tuns.server.access;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;

/** A JDK HTTP server standing in for sish's auth callback URL: records every request, answers as told. */
final class CallbackServer implements AutoCloseable {

    record Call(String method, String contentType, String body) {
    }

    private final HttpServer server;
    final List<Call> calls = new CopyOnWriteArrayList<>();
    private volatile Function<String, Integer> status = body -> 200;
    private volatile Duration delay = Duration.ZERO;

    CallbackServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/auth", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            calls.add(new Call(ex.getRequestMethod(), ex.getRequestHeaders().getFirst("Content-Type"), body));
            try {
                Thread.sleep(delay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            int code = status.apply(body);
            byte[] reply = ("status " + code).getBytes(StandardCharsets.UTF_8);
            try {
                ex.sendResponseHeaders(code, reply.length);
                ex.getResponseBody().write(reply);
            } catch (IOException ignored) {
                // the caller gave up (timeout)
            }
            ex.close();
        });
        server.start();
    }

    /** Status to answer, chosen from the request body. */
    CallbackServer answer(Function<String, Integer> status) {
        this.status = status;
        return this;
    }

    CallbackServer delay(Duration delay) {
        this.delay = delay;
        return this;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/auth";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
