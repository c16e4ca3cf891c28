package io.tuns.server.access;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tuns.server.config.ServerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.security.PublicKey;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * sish's authentication callbacks ({@code --authentication-key-request-url}, {@code
 * --authentication-password-request-url}): a POST of JSON with sish's field names; HTTP 200 accepts, any other
 * status, an error or the timeout refuses. Calls are synchronous: MINA 2.20 forbids asynchronous public-key auth
 * (research/java-design.md §2.6), so a call holds one SSH worker for at most its timeout. Key answers are cached
 * per (fingerprint, user, IP) so a login's probe and signed request make one call. Neither the password nor the
 * whole key is ever logged.
 */
public final class AuthCallback {

    /** Long enough to cover a login's probe and signed request, short enough that a revoked key stops soon. */
    static final Duration KEY_CACHE_TTL = Duration.ofSeconds(30);
    /** Distinct (fingerprint, user, IP) answers remembered at once; the least recently used is dropped beyond. */
    static final int KEY_CACHE_ENTRIES = 1024;

    private static final Logger log = LoggerFactory.getLogger(AuthCallback.class);

    private final URI keyUrl;
    private final Duration keyTimeout;
    private final URI passwordUrl;
    private final Duration passwordTimeout;
    private final HttpClient http;
    private final VerdictCache keyVerdicts;

    AuthCallback(String keyUrl, Duration keyTimeout, String passwordUrl, Duration passwordTimeout,
                 LongSupplier nanoTime) {
        this.keyUrl = keyUrl.isBlank() ? null : URI.create(keyUrl.trim());
        this.keyTimeout = keyTimeout;
        this.passwordUrl = passwordUrl.isBlank() ? null : URI.create(passwordUrl.trim());
        this.passwordTimeout = passwordTimeout;
        this.http = this.keyUrl == null && this.passwordUrl == null ? null : HttpClient.newBuilder()
                .connectTimeout(keyTimeout.compareTo(passwordTimeout) > 0 ? keyTimeout : passwordTimeout)
                .followRedirects(HttpClient.Redirect.NEVER) // a redirect is not a 200: refused
                .version(HttpClient.Version.HTTP_1_1) // plain POSTs, as sish's Go client sends them; no h2c upgrade
                .build();
        this.keyVerdicts = new VerdictCache(KEY_CACHE_ENTRIES, KEY_CACHE_TTL, nanoTime);
    }

    public static AuthCallback of(ServerConfig cfg) {
        return new AuthCallback(cfg.authenticationKeyRequestUrl(), cfg.authenticationKeyRequestTimeout(),
                cfg.authenticationPasswordRequestUrl(), cfg.authenticationPasswordRequestTimeout(), System::nanoTime);
    }

    public boolean hasKeyUrl() {
        return keyUrl != null;
    }

    public boolean hasPasswordUrl() {
        return passwordUrl != null;
    }

    /** Asks the key URL (if configured) whether {@code user} may log in with {@code key} from {@code remote}. */
    public boolean approveKey(String user, PublicKey key, SocketAddress remote) {
        if (keyUrl == null) {
            return false;
        }
        String fingerprint = KeyUtils.getFingerPrint(key);
        String cacheKey = fingerprint + '\n' + user + '\n' + ip(remote);
        Boolean cached = keyVerdicts.get(cacheKey);
        if (cached != null) {
            return cached;
        }
        Map<String, String> body = new LinkedHashMap<>();
        body.put("auth_key", PublicKeyEntry.toString(key)); // an authorized_keys line without its newline
        body.put("user", user);
        body.put("remote_addr", remoteAddr(remote));
        boolean accepted = post("key", keyUrl, keyTimeout, body, fingerprint, user, remote);
        keyVerdicts.put(cacheKey, accepted);
        return accepted;
    }

    /** Asks the password URL (if configured); not cached, since a password is not something to keep around. */
    public boolean approvePassword(String user, String password, SocketAddress remote) {
        if (passwordUrl == null) {
            return false;
        }
        Map<String, String> body = new LinkedHashMap<>();
        body.put("password", password);
        body.put("user", user);
        body.put("remote_addr", remoteAddr(remote));
        return post("password", passwordUrl, passwordTimeout, body, "-", user, remote);
    }

    private boolean post(String kind, URI url, Duration timeout, Map<String, String> body, String fingerprint, String user,
                         SocketAddress remote) {
        long start = System.nanoTime();
        try {
            HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Json.MAPPER.writeValueAsBytes(body))).build();
            int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            log.info("event=auth_callback kind={} status={} accepted={} fingerprint={} user=\"{}\" client={} ms={}", kind, status,
                    status == 200, fingerprint, user, remote, elapsedMs(start));
            return status == 200;
        } catch (HttpTimeoutException e) {
            log.warn("event=auth_callback_timeout kind={} url={} timeout={} fingerprint={} user=\"{}\" client={}", kind, url, timeout,
                    fingerprint, user, remote);
        } catch (IOException | IllegalArgumentException e) {
            log.warn("event=auth_callback_failed kind={} url={} error=\"{}\" fingerprint={} user=\"{}\" client={} ms={}", kind, url,
                    e.toString(), fingerprint, user, remote, elapsedMs(start));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    private static long elapsedMs(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private static String ip(SocketAddress remote) {
        return remote instanceof InetSocketAddress isa && isa.getAddress() != null
                ? isa.getAddress().getHostAddress() : String.valueOf(remote);
    }

    /** Go's {@code net.Addr.String()}: {@code 1.2.3.4:5678} or {@code [::1]:5678}. */
    static String remoteAddr(SocketAddress remote) {
        if (remote instanceof InetSocketAddress isa && isa.getAddress() != null) {
            String host = isa.getAddress().getHostAddress();
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + isa.getPort();
        }
        return String.valueOf(remote);
    }

    /** Made on the first callback: Jackson is ~400 classes that a server without callback URLs never needs. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
}
