package io.tuns.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.Test;

class AuthCallbackTest {

    private final AtomicLong now = new AtomicLong();
    private static final InetSocketAddress CLIENT = new InetSocketAddress("203.0.113.7", 50123);

    private static PublicKey key() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        return g.generateKeyPair().getPublic();
    }

    private AuthCallback callback(String keyUrl, String passwordUrl, Duration timeout) {
        return new AuthCallback(keyUrl, timeout, passwordUrl, timeout, now::get);
    }

    @Test
    void keyRequestHasSishsBodyAndOnly200Accepts() throws Exception {
        try (CallbackServer server = new CallbackServer()) {
            PublicKey key = key();
            AuthCallback cb = callback(server.url(), "", Duration.ofSeconds(5));
            server.answer(body -> body.contains("\"user\":\"alice\"") ? 200 : 403);
            assertThat(cb.approveKey("alice", key, CLIENT)).isTrue();
            assertThat(cb.approveKey("bob", key, CLIENT)).isFalse();
            assertThat(server.calls).hasSize(2);
            CallbackServer.Call call = server.calls.get(0);
            assertThat(call.method()).isEqualTo("POST");
            assertThat(call.contentType()).isEqualTo("application/json");
            assertThat(call.body()).isEqualTo("{\"auth_key\":\"" + PublicKeyEntry.toString(key)
                    + "\",\"user\":\"alice\",\"remote_addr\":\"203.0.113.7:50123\"}");
            assertThat(PublicKeyEntry.toString(key)).startsWith("ecdsa-sha2-nistp256 AAAA").doesNotContain("\n");
        }
    }

    @Test
    void theProbeAndTheSignedRequestCostOneCallUntilTheEntryExpires() throws Exception {
        try (CallbackServer server = new CallbackServer()) {
            PublicKey key = key();
            AuthCallback cb = callback(server.url(), "", Duration.ofSeconds(5));
            assertThat(cb.approveKey("alice", key, CLIENT)).isTrue();
            assertThat(cb.approveKey("alice", key, new InetSocketAddress("203.0.113.7", 50124))).isTrue();
            assertThat(server.calls).hasSize(1);
            assertThat(cb.approveKey("alice", key, new InetSocketAddress("203.0.113.8", 1))).isTrue();
            assertThat(server.calls).as("another IP is asked again").hasSize(2);
            now.addAndGet(AuthCallback.KEY_CACHE_TTL.toNanos());
            server.answer(body -> 401);
            assertThat(cb.approveKey("alice", key, CLIENT)).isFalse();
            assertThat(server.calls).hasSize(3);
        }
    }

    @Test
    void aSlowOrMissingCallbackRefuses() throws Exception {
        try (CallbackServer server = new CallbackServer()) {
            server.delay(Duration.ofSeconds(3));
            AuthCallback cb = callback(server.url(), server.url(), Duration.ofMillis(300));
            long start = System.nanoTime();
            assertThat(cb.approvePassword("alice", "pw", CLIENT)).isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        }
        AuthCallback nobody = callback("http://127.0.0.1:1/auth", "http://127.0.0.1:1/auth", Duration.ofSeconds(1));
        assertThat(nobody.approveKey("alice", key(), CLIENT)).isFalse();
        assertThat(nobody.approvePassword("alice", "pw", CLIENT)).isFalse();
    }

    @Test
    void passwordRequestHasSishsBodyAndIsNeverCached() throws Exception {
        try (CallbackServer server = new CallbackServer()) {
            server.answer(body -> body.contains("\"password\":\"s3\\\"cret\"") ? 200 : 403);
            AuthCallback cb = callback("", server.url(), Duration.ofSeconds(5));
            assertThat(cb.approvePassword("alice", "s3\"cret", new InetSocketAddress("::1", 2222))).isTrue();
            assertThat(cb.approvePassword("alice", "s3\"cret", new InetSocketAddress("::1", 2222))).isTrue();
            assertThat(cb.approvePassword("alice", "wrong", CLIENT)).isFalse();
            assertThat(server.calls).hasSize(3);
            assertThat(server.calls.get(0).body())
                    .isEqualTo("{\"password\":\"s3\\\"cret\",\"user\":\"alice\",\"remote_addr\":\"[0:0:0:0:0:0:0:1]:2222\"}");
        }
    }

    @Test
    void withoutUrlsNothingIsAsked() throws Exception {
        AuthCallback cb = callback("", "", Duration.ofSeconds(5));
        assertThat(cb.hasKeyUrl()).isFalse();
        assertThat(cb.hasPasswordUrl()).isFalse();
        assertThat(cb.approveKey("alice", key(), CLIENT)).isFalse();
        assertThat(cb.approvePassword("alice", "pw", CLIENT)).isFalse();
    }

    @Test
    void theVerdictCacheIsBounded() {
        VerdictCache cache = new VerdictCache(3, Duration.ofSeconds(30), now::get);
        for (int i = 0; i < 10; i++) {
            cache.put("k" + i, true);
        }
        assertThat(cache.size()).isEqualTo(3);
        assertThat(cache.get("k0")).isNull();
        assertThat(cache.get("k9")).isTrue();
    }
}
