package io.tuns.server.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tuns.server.config.HostPort;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * {@code --metrics-address}: {@code /metrics} (and {@code /_sish/metrics}) on a port of its own, e.g. on a private
 * interface for Prometheus, away from the public tunnel port. One thread; scrapes are small and rare.
 */
public final class MetricsListener implements AutoCloseable {

    private final HttpServer server;

    public MetricsListener(String address, Metrics metrics, ScrapeAuth auth) throws IOException {
        HostPort hp = HostPort.parse(address, "metrics-address");
        server = HttpServer.create(new InetSocketAddress(hp.host(), hp.port()), 16);
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tuns-metrics");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", ex -> handle(ex, metrics, auth));
    }

    private static void handle(HttpExchange ex, Metrics metrics, ScrapeAuth auth) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            if (!path.equals("/metrics") && !path.equals("/_sish/metrics")) {
                send(ex, 404, "text/plain; charset=utf-8", "Not found: metrics are at /metrics\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String query = queryToken(ex.getRequestURI().getRawQuery());
            if (!auth.allows(ex.getRequestHeaders().getFirst("x-authorization"), query,
                    ex.getRequestHeaders().getFirst("Authorization"))) {
                send(ex, 401, "text/plain; charset=utf-8",
                        "Metrics need the admin token (x-authorization header or Authorization: Bearer).\n"
                                .getBytes(StandardCharsets.UTF_8));
                return;
            }
            String accept = ex.getRequestHeaders().getFirst("Accept");
            ByteArrayOutputStream body = new ByteArrayOutputStream(64 * 1024);
            metrics.scrape(accept == null ? "" : accept, body);
            send(ex, 200, metrics.contentType(accept == null ? "" : accept), body.toByteArray());
        }
    }

    private static String queryToken(String rawQuery) {
        if (rawQuery == null) {
            return null;
        }
        for (String part : rawQuery.split("&")) {
            if (part.startsWith("x-authorization=")) {
                return URLDecoder.decode(part.substring(16), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    public void start() {
        server.start();
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
