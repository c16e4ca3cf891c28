package io.tuns.server.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tuns.server.inspect.Exchange;
import io.tuns.server.inspect.HeaderField;
import io.tuns.server.inspect.HeaderRedactor;
import io.tuns.server.inspect.Inspector;
import io.tuns.server.inspect.RenderedBody;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST …/exchanges/<id>/replay}: sends a captured request again (as it was, or as edited on the page) through
 * the public listener, so it takes the path a client's would, and answers with the service's response rendered like
 * a captured one, secret headers redacted. At most {@value #MAX_CONCURRENT} replays at once, each
 * {@link #TIMEOUT} at most.
 */
final class ReplayRoute implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplayRoute.class);

    static final int MAX_CONCURRENT = 16;
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final ConsoleJson json;
    private final ConsoleAuth auth;
    private final ConsoleBackend backend;
    private final Inspector inspector;
    private final ConsoleRender render;
    private final ExchangeJson exchangeJson;
    private final HeaderRedactor redactor;
    private final Replayer replayer;

    ReplayRoute(ConsoleJson json, ConsoleAuth auth, ConsoleBackend backend, Inspector inspector, ConsoleRender render,
                ExchangeJson exchangeJson, HeaderRedactor redactor) {
        this.json = json;
        this.auth = auth;
        this.backend = backend;
        this.inspector = inspector;
        this.render = render;
        this.exchangeJson = exchangeJson;
        this.redactor = redactor;
        this.replayer = new Replayer(inspector.renderer().maxRenderedBytes(), TIMEOUT, MAX_CONCURRENT);
    }

    void replay(ConsoleCall c, ConsoleAuth.Access access, Exchange original, TunnelInfo tunnel) {
        if (!auth.csrfOk(c.request(), access, c.host())) {
            c.send(json.failure(HttpResponseStatus.FORBIDDEN, "Replays must come from the console page."));
            return;
        }
        FullHttpRequest replay;
        try {
            replay = c.request().content().isReadable()
                    ? ReplayRequests.edited(readJson(c.request().content().toString(StandardCharsets.UTF_8)),
                            original, tunnel.host())
                    : ReplayRequests.original(original, tunnel.host());
        } catch (ReplayRequests.Refused e) {
            c.send(json.failure(e.status(), e.getMessage()));
            return;
        }
        log.info("console replay host={} exchange={}", c.host(), original.id());
        inspector.expectReplay(original, replay.method().name(), replay.uri());
        replayer.send(backend.httpListenAddress(), replay).whenComplete((result, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                HttpResponseStatus status = cause instanceof Replayer.BusyException
                        ? HttpResponseStatus.TOO_MANY_REQUESTS : HttpResponseStatus.BAD_GATEWAY;
                c.send(json.failure(status, "The replay failed: " + cause.getMessage()));
                return;
            }
            render.later(c, 1, () -> json.ok(replayJson(result)));
        });
    }

    private ObjectNode replayJson(Replayer.Result r) {
        ObjectNode n = json.object();
        n.put("status", r.status());
        n.put("reason", r.reason());
        n.put("protocol", r.protocol());
        n.put("durationMs", Math.round(r.durationNanos() / 1e4) / 100.0);
        List<HeaderField> headers = r.headers().stream()
                .map(h -> redactor.redacts(h.name()) ? new HeaderField(h.name(), HeaderField.REDACTED) : h).toList();
        n.set("headers", exchangeJson.headers(headers));
        RenderedBody rendered = inspector.renderer().render(r.body(), Exchange.header(headers, "content-type"),
                Exchange.header(headers, "content-encoding"));
        ObjectNode body = n.putObject("body");
        body.put("observedBytes", r.observedBytes());
        body.put("capturedBytes", r.body().length);
        body.put("truncated", r.observedBytes() > r.body().length);
        body.put("kind", rendered.kind().name().toLowerCase(Locale.ROOT));
        body.put("note", rendered.note());
        if (rendered.kind() == RenderedBody.Kind.BINARY) {
            body.put("base64", Base64.getEncoder().encodeToString(rendered.bytes()));
        } else if (rendered.kind() != RenderedBody.Kind.EMPTY) {
            body.put("text", new String(rendered.bytes(), StandardCharsets.UTF_8));
        }
        return n;
    }

    private JsonNode readJson(String text) {
        try {
            return json.mapper().readTree(text);
        } catch (JsonProcessingException ex) {
            throw new ReplayRequests.Refused(HttpResponseStatus.BAD_REQUEST,
                    "The replay request must be JSON: " + ex.getOriginalMessage());
        }
    }

    @Override
    public void close() {
        replayer.close();
    }
}
