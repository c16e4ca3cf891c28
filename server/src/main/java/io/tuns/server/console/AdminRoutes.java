package io.tuns.server.console;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.tuns.server.memory.MemoryBudget;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin console's API on the root domain (sish's {@code /_sish/api/clients} and its actions), for a caller
 * already known to hold the admin token. State changes need a POST with the CSRF value, or sish's GET with an
 * explicit token.
 */
final class AdminRoutes {

    private static final Logger log = LoggerFactory.getLogger(AdminRoutes.class);

    private final ConsoleJson json;
    private final ConsoleBackend backend;
    private final ConsoleAuth auth;
    private final AdminApi admin;
    private final MemoryBudget memory;

    AdminRoutes(ConsoleJson json, ConsoleBackend backend, ConsoleAuth auth, AdminApi admin, MemoryBudget memory) {
        this.json = json;
        this.backend = backend;
        this.auth = auth;
        this.admin = admin;
        this.memory = memory;
    }

    void route(ConsoleCall c, ConsoleAuth.Access access) {
        String p = c.path();
        if (p.startsWith("/_sish/api/clients") && c.get()) {
            c.send(json.ok(admin.clients()));
        } else if (p.equals("/_sish/api/memory") && c.get()) {
            c.send(json.ok(MemoryJson.of(json.mapper(), memory)));
        } else if (p.startsWith("/_sish/api/disconnectclient/")) {
            if (stateChangeAllowed(c, access)) {
                disconnectClient(c, p.substring("/_sish/api/disconnectclient/".length()));
            }
        } else if (p.startsWith("/_sish/api/rotatetoken/")) {
            if (stateChangeAllowed(c, access)) {
                rotateToken(c, p.substring("/_sish/api/rotatetoken/".length()).toLowerCase(Locale.ROOT));
            }
        } else if (p.startsWith("/_sish/api/disconnectroute/")) {
            if (stateChangeAllowed(c, access)) {
                disconnectRoute(c, p.substring("/_sish/api/disconnectroute/".length()));
            }
        } else {
            c.send(json.notFound(c, "There is nothing at " + p + "."));
        }
    }

    private void disconnectClient(ConsoleCall c, String escapedAddress) {
        String remoteAddr;
        try {
            remoteAddr = QueryStringDecoder.decodeComponent(escapedAddress);
        } catch (IllegalArgumentException e) {
            c.send(json.failure(HttpResponseStatus.BAD_REQUEST, "The client address has a malformed"
                    + " percent-escape: " + e.getMessage()));
            return;
        }
        boolean done = backend.disconnectClient(remoteAddr);
        log.info("console admin action=disconnect-client found={}", done);
        c.send(json.ok(json.object().put("status", done)));
    }

    private void rotateToken(ConsoleCall c, String tunnelHost) {
        Optional<String> fresh = backend.rotateConsoleToken(tunnelHost);
        log.info("console admin action=rotate-token found={}", fresh.isPresent());
        ObjectNode n = json.object().put("status", fresh.isPresent());
        fresh.ifPresent(token -> backend.tunnelForHost(tunnelHost).ifPresent(t -> n.put("console",
                ConsoleTokens.serviceConsoleUrl(ConsoleRoutes.baseUrl(t), token))));
        if (fresh.isEmpty()) {
            n.put("error", "No HTTP tunnel with a key-authenticated client is bound to " + tunnelHost + ".");
        }
        c.send(json.ok(n));
    }

    private void disconnectRoute(ConsoleCall c, String typeAndRoute) {
        String[] parts = typeAndRoute.split("/", 2);
        if (parts.length != 2) {
            c.send(json.failure(HttpResponseStatus.BAD_REQUEST,
                    "Use /_sish/api/disconnectroute/<type>/<base64 route>."));
            return;
        }
        String route;
        try {
            route = new String(Base64.getDecoder().decode(QueryStringDecoder.decodeComponent(parts[1])),
                    StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            c.send(json.failure(HttpResponseStatus.BAD_REQUEST, "The route must be base64 (standard)."));
            return;
        }
        boolean done = backend.disconnectRoute(parts[0], route);
        log.info("console admin action=disconnect-route type={} found={}", parts[0], done);
        c.send(json.ok(json.object().put("status", done)));
    }

    /** sish's GET actions still work with an explicit token; with the cookie only a POST with the CSRF value does. */
    private boolean stateChangeAllowed(ConsoleCall c, ConsoleAuth.Access access) {
        boolean allowed = c.post() ? auth.csrfOk(c.request(), access, c.host()) : c.get() && access.explicit();
        if (!allowed) {
            c.send(json.failure(HttpResponseStatus.FORBIDDEN, "This action needs a POST from the console page"
                    + " (or the x-authorization token on the request itself)."));
        }
        return allowed;
    }
}
