package io.tuns.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ClusterIT}'s cases in which the store decides, on Valkey 8.1 instead of Redis: look-ups for the hop,
 * 200 racing claims, take-over told by the feed (also while the old client is frozen), a stale route, a node that
 * starts before its store, and a drain ending the lease. The hop and protocol cases (SNI, TCP, aliases, WebSocket,
 * filters, keep-alive, certificates) do not depend on which server holds the routes and run on Redis only.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ValkeyClusterIT {

    private final ClusterIT cases = new ClusterIT();

    @BeforeAll
    static void cluster() throws Exception {
        ClusterIT.startCluster(RedisServer.start(RedisServer.valkey()));
    }

    @AfterAll
    static void stop() throws Exception {
        ClusterIT.stop();
    }

    @AfterEach
    void noChannelLeftOpen() {
        cases.noChannelLeftOpen();
    }

    @Test
    void theStoreServerIsValkey81() throws Exception {
        assertThat(ClusterIT.redis.bulk("INFO server")).contains("server_name:valkey").contains("valkey_version:8.1.");
    }

    @Test
    void aTunnelOnOneNodeAnswersRequestsSentToTheOtherByteForByte() throws Exception {
        cases.aTunnelOnOneNodeAnswersRequestsSentToTheOtherByteForByte();
    }

    @Test
    void twoHundredRoundsOfTwoKeysRacingForOneNameThroughDifferentNodesGetExactlyOneOwnerEach() throws Exception {
        cases.twoHundredRoundsOfTwoKeysRacingForOneNameThroughDifferentNodesGetExactlyOneOwnerEach();
    }

    @Test
    void theSameKeyTakesItsNameOverAcrossNodes() throws Exception {
        cases.theSameKeyTakesItsNameOverAcrossNodes();
    }

    @Test
    void theSameKeyTakesItsNameOverAtOnceWhileTheOldClientIsFrozenAndTheOldOneIsToldWhenItWakes() throws Exception {
        cases.theSameKeyTakesItsNameOverAtOnceWhileTheOldClientIsFrozenAndTheOldOneIsToldWhenItWakes();
    }

    @Test
    void aStaleRouteGetsOneRefreshThenA502AndNeverASecondHop() throws Exception {
        cases.aStaleRouteGetsOneRefreshThenA502AndNeverASecondHop();
    }

    @Test
    void aNodeStartsWithoutItsStoreRefusesNewForwardsClearlyAndTakesThemOnceValkeyIsThere() throws Exception {
        cases.aNodeStartsWithoutItsStoreRefusesNewForwardsClearlyAndTakesThemOnceRedisIsThere();
    }

    @Test
    void aDrainWhoseClientsDoNotComeBackEndsAfterItsTimeoutAndFreesTheNames() throws Exception {
        cases.aDrainWhoseClientsDoNotComeBackEndsAfterItsTimeoutAndFreesTheNames();
    }
}
