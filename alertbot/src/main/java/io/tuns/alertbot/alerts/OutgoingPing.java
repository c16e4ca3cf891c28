package io.tuns.alertbot.alerts;

import io.tuns.alertbot.config.AlertbotConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who watches the monitoring host: a GET to a URL every {@code every} while the bot runs (the healthchecks.io /
 * Uptime Kuma "push" convention), so a service elsewhere notices when the bot or its whole host dies. The URL is a
 * secret (it names the check), so only its host is logged. Failures are logged once per change, never retried
 * in a loop: the next period is the retry.
 */
public final class OutgoingPing {
    private static final Logger log = LoggerFactory.getLogger(OutgoingPing.class);
    private final AlertbotConfig.OutgoingPing cfg;
    private final Clock clock;
    private final HttpClient http;
    private Instant lastAttempt;
    private Instant lastOk;
    private String lastError;

    public OutgoingPing(AlertbotConfig.OutgoingPing cfg, Clock clock) {
        this.cfg = cfg;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(cfg.timeout())
                .followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /**
     * One ping, asynchronous so a slow or dead endpoint never holds the bot's scheduler (at most one request per
     * period, each bounded by {@code timeout}). Completes when the result is recorded.
     */
    public CompletableFuture<Void> ping() {
        URI uri = URI.create(cfg.url().reveal());
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(cfg.timeout())
                .header("User-Agent", "tuns-alertbot").GET().build();
        return http.sendAsync(req, HttpResponse.BodyHandlers.discarding()).handle((resp, e) -> {
            if (e != null) {
                Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                record(uri.getHost(), c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage()));
            } else {
                record(uri.getHost(), resp.statusCode() / 100 == 2 ? null : "HTTP " + resp.statusCode());
            }
            return null;
        });
    }

    private synchronized void record(String host, String error) {
        Instant now = clock.instant();
        lastAttempt = now;
        if (error == null) {
            if (lastError != null || lastOk == null) {
                log.info("event=outgoing_ping_ok host={}", host);
            }
            lastOk = now;
        } else if (!error.equals(lastError)) {
            log.warn("event=outgoing_ping_failed host={} error=\"{}\"", host, error.replace(cfg.url().reveal(), "<url>"));
        }
        lastError = error;
    }

    /** For /status. */
    public synchronized Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("everySeconds", cfg.every().toSeconds());
        m.put("lastAttempt", lastAttempt == null ? null : lastAttempt.toString());
        m.put("lastOk", lastOk == null ? null : lastOk.toString());
        m.put("lastError", lastError);
        return m;
    }
}
