package io.tuns.alertbot.peer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** GETs a peer's {@code /healthz} (asynchronously, bounded by {@code timeout}) and reports to its {@link PeerWatch}. */
public final class PeerProbe {
    private final URI url;
    private final Duration timeout;
    private final PeerWatch watch;
    private final HttpClient http;

    public PeerProbe(URI url, Duration timeout, PeerWatch watch) {
        this.url = url;
        this.timeout = timeout;
        this.watch = watch;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    public CompletableFuture<Void> probe() {
        HttpRequest req = HttpRequest.newBuilder(url).timeout(timeout).header("User-Agent", "tuns-alertbot").GET()
                .build();
        return http.sendAsync(req, HttpResponse.BodyHandlers.discarding()).handle((resp, e) -> {
            if (e != null) {
                Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                watch.failed(c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage()));
            } else if (resp.statusCode() / 100 == 2) {
                watch.ok();
            } else {
                watch.failed("HTTP " + resp.statusCode());
            }
            return null;
        });
    }
}
