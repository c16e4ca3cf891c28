package io.tuns.server.console;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tuns.server.inspect.BodyCapture;
import io.tuns.server.inspect.Exchange;
import io.tuns.server.inspect.HeaderField;
import io.tuns.server.inspect.Inspector;
import io.tuns.server.inspect.RenderedBody;
import java.util.List;
import java.util.Optional;

/**
 * A service console's API on its tunnel host, for a caller holding that tunnel's token: the live stream, the history
 * page by page, one exchange, its bodies (rendered or raw), HAR exports and replays.
 */
final class ServiceRoutes {

    /** Body text included across one HAR export, in units of the rendered-body bound. */
    static final int HAR_BODY_BOUND_IN_RENDERED_BODIES = 8;

    /**
     * @param maxViewersPerTunnel   --console-max-viewers-per-tunnel, for the 429 sentence
     * @param maxViewers            --console-max-viewers
     * @param maxExchangesPerTunnel the history's length, for the "no longer in the history" sentence
     */
    record Limits(int maxViewersPerTunnel, int maxViewers, int maxExchangesPerTunnel) {
    }

    private final ConsoleJson json;
    private final Inspector inspector;
    private final ConsoleHub hub;
    private final ExchangeJson exchangeJson;
    private final HarExport har;
    private final ConsoleRender render;
    private final ReplayRoute replays;
    private final Limits limits;

    ServiceRoutes(ConsoleJson json, Inspector inspector, ConsoleHub hub, ExchangeJson exchangeJson,
                  ConsoleRender render, ReplayRoute replays, Limits limits) {
        this.json = json;
        this.inspector = inspector;
        this.hub = hub;
        this.exchangeJson = exchangeJson;
        this.har = new HarExport(json.mapper(), inspector.renderer(),
                HAR_BODY_BOUND_IN_RENDERED_BODIES * inspector.renderer().maxRenderedBytes());
        this.render = render;
        this.replays = replays;
        this.limits = limits;
    }

    void route(ConsoleCall c, ConsoleAuth.Access access, TunnelInfo tunnel) {
        String p = c.path();
        String base = ConsoleRoutes.baseUrl(tunnel);
        if (p.equals("/_sish/api/events") && c.get()) {
            if (!hub.attach(c.ctx(), c.host())) {
                c.send(json.failure(HttpResponseStatus.TOO_MANY_REQUESTS, "Too many console viewers are open"
                        + " (the limit is " + limits.maxViewersPerTunnel() + " per tunnel and "
                        + limits.maxViewers() + " in total). Close another console tab and reload."));
            }
        } else if (p.equals("/_sish/api/exchanges") && c.get()) {
            history(c);
        } else if (p.equals("/_sish/api/har") && c.get()) {
            ExchangeFilter filter;
            try {
                filter = ExchangeFilter.from(c.query().parameters());
            } catch (IllegalArgumentException e) {
                c.send(json.failure(HttpResponseStatus.BAD_REQUEST, e.getMessage()));
                return;
            }
            List<Exchange> list = inspector.exchanges(c.host()).stream().filter(filter::matches).toList();
            render.later(c, HAR_BODY_BOUND_IN_RENDERED_BODIES,
                    () -> harResponse(har.har(list, base), c.host() + ".har"));
        } else if (p.startsWith("/_sish/api/exchanges/")) {
            exchange(c, access, p.substring("/_sish/api/exchanges/".length()).split("/"), tunnel, base);
        } else {
            c.send(json.notFound(c, "There is nothing at " + p + "."));
        }
    }

    private void history(ConsoleCall c) {
        ExchangeFilter filter;
        ExchangePage.Cursor cursor;
        try {
            filter = ExchangeFilter.from(c.query().parameters());
            cursor = ExchangePage.Cursor.from(c.query().parameters());
        } catch (IllegalArgumentException e) {
            c.send(json.failure(HttpResponseStatus.BAD_REQUEST, e.getMessage()));
            return;
        }
        ExchangePage page = ExchangePage.of(inspector.exchanges(c.host()), filter::matches, cursor);
        ArrayNode list = json.mapper().createArrayNode();
        page.exchanges().forEach(e -> list.add(exchangeJson.summary(e)));
        ObjectNode n = json.object();
        n.set("exchanges", list);
        n.put("total", page.total());
        n.put("matched", page.matched());
        n.put("nextBefore", page.nextBefore());
        n.put("maxExchanges", limits.maxExchangesPerTunnel());
        c.send(json.ok(n));
    }

    private void exchange(ConsoleCall c, ConsoleAuth.Access access, String[] parts, TunnelInfo tunnel, String base) {
        Optional<Exchange> found = parseId(parts[0]).flatMap(id -> inspector.exchange(c.host(), id));
        if (found.isEmpty()) {
            c.send(json.failure(HttpResponseStatus.NOT_FOUND, "That request is no longer in the history"
                    + " (it keeps the last " + limits.maxExchangesPerTunnel() + ")."));
            return;
        }
        Exchange e = found.get();
        if (parts.length == 1 && c.get()) {
            c.send(json.ok(exchangeJson.detail(e, base)));
        } else if (parts.length >= 3 && parts[1].equals("body") && c.get()
                && (parts[2].equals("request") || parts[2].equals("response"))) {
            body(c, e, parts[2].equals("request"), parts.length == 4 && parts[3].equals("raw"));
        } else if (parts.length == 2 && parts[1].equals("har") && c.get()) {
            render.later(c, HAR_BODY_BOUND_IN_RENDERED_BODIES,
                    () -> harResponse(har.har(List.of(e), base), c.host() + "-" + e.id() + ".har"));
        } else if (parts.length == 2 && parts[1].equals("replay") && c.post()) {
            replays.replay(c, access, e, tunnel);
        } else {
            c.send(json.notFound(c, "There is nothing here."));
        }
    }

    private void body(ConsoleCall c, Exchange e, boolean request, boolean raw) {
        BodyCapture body = request ? e.requestBody() : e.responseBody();
        List<HeaderField> headers = request ? e.requestHeaders() : e.responseHeaders();
        if (raw) {
            FullHttpResponse r = Replies.bytes(HttpResponseStatus.OK, "application/octet-stream", body.bytes());
            r.headers().set(HttpHeaderNames.CONTENT_DISPOSITION,
                    "attachment; filename=\"" + e.id() + "-" + (request ? "request" : "response") + ".bin\"");
            c.send(r);
            return;
        }
        render.later(c, 1, () -> {
            RenderedBody rendered = inspector.renderer().render(body.bytes(),
                    Exchange.header(headers, "content-type"), Exchange.header(headers, "content-encoding"));
            return Replies.json(HttpResponseStatus.OK, json.bytes(exchangeJson.body(body, rendered)));
        });
    }

    private FullHttpResponse harResponse(ObjectNode harJson, String filename) {
        FullHttpResponse r = Replies.bytes(HttpResponseStatus.OK, "application/json; charset=utf-8",
                json.bytes(harJson));
        r.headers().set(HttpHeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"" + filename.replace('"', '_')
                + "\"");
        return r;
    }

    private static Optional<Long> parseId(String s) {
        try {
            return Optional.of(Long.parseLong(s));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
