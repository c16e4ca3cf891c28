package io.tuns.alertbot.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tuns.alertbot.alerts.AlertRelay;
import io.tuns.alertbot.alerts.WebhookPayload;
import io.tuns.alertbot.config.AlertbotConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /alertmanager} (webhook receiver; {@code /webhook} is an alias), {@code GET /metrics},
 * {@code /healthz}, {@code /status}. The webhook answers 2xx when the alert went to IRC or into the outbox, 503
 * (Alertmanager retries) when it could not be stored, and 4xx for bodies that retrying cannot fix.
 */
public final class HttpEndpoints implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpEndpoints.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final AlertbotConfig.Http cfg;
    private final AlertRelay relay;
    private final BotMetrics metrics;
    private final Supplier<Map<String, Object>> status;
    private final BooleanSupplier healthy;
    private HttpServer server;
    private ExecutorService executor;

    public HttpEndpoints(AlertbotConfig.Http cfg, AlertRelay relay, BotMetrics metrics,
                         Supplier<Map<String, Object>> status, BooleanSupplier healthy) {
        this.cfg = cfg;
        this.relay = relay;
        this.metrics = metrics;
        this.status = status;
        this.healthy = healthy;
    }

    public void start() throws IOException {
        try {
            server = HttpServer.create(new InetSocketAddress(cfg.listenHost(), cfg.port()), 16);
        } catch (BindException e) {
            // The JDK's message is only "Address already in use": say which address and which key sets it.
            throw new IOException("http.listen " + cfg.listenHost() + ":" + cfg.port() + ": " + e.getMessage(), e);
        }
        server.createContext("/alertmanager", this::webhook);
        server.createContext("/webhook", this::webhook);
        server.createContext("/metrics", ex -> {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            metrics.write(buf);
            reply(ex, 200, metrics.contentType(), buf.toByteArray());
        });
        server.createContext("/healthz", ex -> reply(ex, healthy.getAsBoolean() ? 200 : 503, "text/plain",
                (healthy.getAsBoolean() ? "ok\n" : "not ready\n").getBytes(StandardCharsets.UTF_8)));
        server.createContext("/status", ex -> reply(ex, 200, "application/json",
                JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(status.get())));
        executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "alertbot-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.start();
        log.info("event=http_listening address={}:{}", cfg.listenHost(), port());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void webhook(HttpExchange ex) throws IOException {
        if (!ex.getRequestMethod().equals("POST")) {
            text(ex, 405, "use POST\n");
            return;
        }
        if (cfg.token().isPresent()) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            String presented = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
            if (!cfg.token().get().matches(presented)) {
                text(ex, 401, "missing or wrong bearer token\n");
                return;
            }
        }
        byte[] body = readBounded(ex.getRequestBody(), cfg.maxBodyBytes());
        if (body == null) {
            text(ex, 413, "body larger than http.max-body-bytes (" + cfg.maxBodyBytes() + ")\n");
            return;
        }
        WebhookPayload payload;
        try {
            payload = WebhookPayload.parse(body);
        } catch (IllegalArgumentException e) {
            text(ex, 400, e.getMessage() + "\n");
            return;
        }
        boolean ok = relay.relay(payload);
        text(ex, ok ? 200 : 503, ok ? "ok\n" : "could not store the alert (outbox full or disk error); retry\n");
    }

    private static byte[] readBounded(InputStream in, int max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) > 0) {
            if (out.size() + n > max) {
                return null;
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    private static void text(HttpExchange ex, int code, String s) throws IOException {
        reply(ex, code, "text/plain; charset=utf-8", s.getBytes(StandardCharsets.UTF_8));
    }

    private static void reply(HttpExchange ex, int code, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
        if (executor != null) {
            executor.shutdownNow();
            try {
                executor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
