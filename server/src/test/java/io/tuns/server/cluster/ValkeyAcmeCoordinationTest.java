package io.tuns.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Every case of {@link RedisAcmeCoordinationTest} (one ACME order per host cluster-wide) against Valkey 8.1. */
class ValkeyAcmeCoordinationTest extends RedisAcmeCoordinationTest {

    @Override
    String serverBinary() {
        return RedisServer.valkey();
    }

    @Test
    void theStoreServerIsValkey81() throws IOException {
        assertThat(redis.bulk("INFO server")).contains("server_name:valkey").contains("valkey_version:8.1.");
    }
}
