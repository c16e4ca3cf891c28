package io.tuns.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Every case of {@link RedisRouteStoreTest} (the store contract, the feed, restarts) against Valkey 8.1, which
 * issue 17 says the design must also run on: the claim scripts, the Stream and the leases as Valkey runs them.
 */
class ValkeyRouteStoreTest extends RedisRouteStoreTest {

    @Override
    String serverBinary() {
        return RedisServer.valkey();
    }

    @Test
    void theStoreServerIsValkey81() throws IOException {
        assertThat(redis.bulk("INFO server")).contains("server_name:valkey").contains("valkey_version:8.1.");
    }
}
