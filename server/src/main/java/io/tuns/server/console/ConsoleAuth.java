package io.tuns.server.console;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.tuns.server.config.ServerConfig;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Who is asking: the token comes from the {@code x-authorization} query parameter or header (sish's way), or from
 * the HttpOnly cookie set after that first visit so the token leaves the address bar. The admin token works on every
 * host; a tunnel's token only on its own host. Tokens are compared in constant time and never logged.
 */
final class ConsoleAuth {

    static final String TOKEN_PARAM = "x-authorization";
    static final String COOKIE_NAME = "tuns_console";
    static final String CSRF_HEADER = "x-tuns-csrf";

    enum Role { NONE, SERVICE, ADMIN }

    /**
     * @param explicit true when the token was sent with the request itself (query or header) rather than by cookie:
     *                 such a request cannot be forged cross-site without knowing the token, so it needs no CSRF check
     * @param fromQuery true when it came in the query string (the page then redirects to drop it from the URL)
     */
    record Access(Role role, String token, boolean explicit, boolean fromQuery) {
        static final Access NONE = new Access(Role.NONE, "", false, false);

        boolean granted() {
            return role != Role.NONE;
        }
    }

    private final boolean serviceConsole;
    private final String globalServiceToken;
    private final String adminToken;
    private final byte[] csrfKey = new byte[32];

    ConsoleAuth(ServerConfig config) {
        this.serviceConsole = config.serviceConsole();
        this.globalServiceToken = nullToEmpty(config.serviceConsoleToken());
        this.adminToken = config.adminConsole() ? nullToEmpty(config.adminConsoleToken()) : "";
        new SecureRandom().nextBytes(csrfKey);
    }

    boolean adminConfigured() {
        return !adminToken.isEmpty();
    }

    /** @param tunnel the tunnel bound to the host, empty on the root domain or an unknown host */
    Access check(FullHttpRequest request, QueryStringDecoder query, Optional<TunnelInfo> tunnel) {
        Access fromQuery = match(first(query.parameters().get(TOKEN_PARAM)), tunnel, true, true);
        if (fromQuery.granted()) {
            return fromQuery;
        }
        Access fromHeader = match(request.headers().get(TOKEN_PARAM), tunnel, true, false);
        if (fromHeader.granted()) {
            return fromHeader;
        }
        String cookieHeader = request.headers().get(HttpHeaderNames.COOKIE);
        if (cookieHeader != null) {
            for (Cookie c : ServerCookieDecoder.LAX.decode(cookieHeader)) {
                if (COOKIE_NAME.equals(c.name())) {
                    Access fromCookie = match(c.value(), tunnel, false, false);
                    if (fromCookie.granted()) {
                        return fromCookie;
                    }
                }
            }
        }
        return Access.NONE;
    }

    private Access match(String presented, Optional<TunnelInfo> tunnel, boolean explicit, boolean fromQuery) {
        if (presented == null || presented.isEmpty()) {
            return Access.NONE;
        }
        if (ConsoleTokens.matches(presented, adminToken)) {
            return new Access(Role.ADMIN, presented, explicit, fromQuery);
        }
        if (serviceConsole && tunnel.isPresent()) {
            if (ConsoleTokens.matches(presented, tunnel.get().consoleToken())
                    || ConsoleTokens.matches(presented, globalServiceToken)) {
                return new Access(Role.SERVICE, presented, explicit, fromQuery);
            }
        }
        return Access.NONE;
    }

    /** The value a page must echo in {@link #CSRF_HEADER} on POSTs authenticated by cookie. */
    String csrfTokenFor(String token) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(csrfKey, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(("csrf:" + token).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every JRE", e);
        }
    }

    /** A state-changing request passes if its token was explicit, or if it carries the CSRF value and no foreign Origin. */
    boolean csrfOk(FullHttpRequest request, Access access, String host) {
        if (access.explicit()) {
            return true;
        }
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (origin != null && !originMatchesHost(origin, host)) {
            return false;
        }
        return ConsoleTokens.matches(request.headers().get(CSRF_HEADER), csrfTokenFor(access.token()));
    }

    static boolean originMatchesHost(String origin, String host) {
        int scheme = origin.indexOf("://");
        if (scheme < 0) {
            return false;
        }
        String hostPort = origin.substring(scheme + 3);
        int colon = hostPort.lastIndexOf(':');
        String originHost = colon > 0 && !hostPort.endsWith("]") ? hostPort.substring(0, colon) : hostPort;
        return originHost.equalsIgnoreCase(host);
    }

    /** HttpOnly so scripts cannot read it; SameSite=Lax so the link from the ssh session still works. */
    static String sessionCookie(String token) {
        return COOKIE_NAME + "=" + token + "; Path=/_sish/; HttpOnly; SameSite=Lax";
    }

    private static String first(List<String> values) {
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
