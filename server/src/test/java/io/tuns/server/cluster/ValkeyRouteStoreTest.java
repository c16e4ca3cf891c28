package io.tuns.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every case of {@link RedisRouteStoreTest} (the store contract, the feed, restarts) against Valkey 8.1, which
 * issue 17 says the design must also run on: the claim scripts, the Stream and the leases as Valkey runs them.
 */
class ValkeyRouteStoreTest extends RedisRouteStoreTest {

    /** Hides RedisRouteStoreTest.startRedis (JUnit then runs only this one): the same cases, on Valkey. */
    @BeforeAll
    static void startRedis() throws IOException {
        redis = RedisServer.start(RedisServer.valkey());
    }

    @Test
    void theStoreServerIsValkey81() throws IOException {
        assertThat(redis.bulk("INFO server")).contains("server_name:valkey").contains("valkey_version:8.1.");
    }
}
