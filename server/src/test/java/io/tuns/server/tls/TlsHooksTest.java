package io.tuns.server.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.FullHttpResponse;
import io.tuns.server.tunnel.AcmeCoordination;
import io.tuns.server.tunnel.LocalAcmeCoordination;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

class TlsHooksTest {

    final ChallengeResponder tokens = t -> Optional.ofNullable(Map.of("tok123", "tok123.thumb").get(t));

    @Test
    void aPendingChallengeTokenIsAnsweredForAnyHost() {
        FullHttpResponse r = new TlsHooks(tokens).intercept("/.well-known/acme-challenge/tok123");
        assertThat(r.status().code()).isEqualTo(200);
        assertThat(r.content().toString(StandardCharsets.US_ASCII)).isEqualTo("tok123.thumb");
        r.release();
        assertThat(new TlsHooks(tokens).intercept("/.well-known/acme-challenge/other"))
                .as("unknown tokens are routed as usual").isNull();
    }

    @Test
    void aClusterNodeAsksTheStoreOnlyForWellFormedTokensOfTheChallengePath() {
        AcmeCoordination shared = new LocalAcmeCoordination(Clock.systemUTC());
        shared.publish("tokB", "tokB.thumb", Duration.ofMinutes(1));
        TlsHooks hooks = new TlsHooks(tokens, shared);
        assertThat(hooks.askCluster("/.well-known/acme-challenge/tokB").toCompletableFuture().join())
                .contains("tokB.thumb");
        assertThat(hooks.askCluster("/.well-known/acme-challenge/nobody").toCompletableFuture().join()).isEmpty();
        assertThat(hooks.askCluster("/.well-known/acme-challenge/a/../b")).as("not a token").isNull();
        assertThat(hooks.askCluster("/.well-known/acme-challenge/tokB?x=1")).as("not a token").isNull();
        assertThat(hooks.askCluster("/index.html")).isNull();
        assertThat(new TlsHooks(tokens).askCluster("/.well-known/acme-challenge/tokB")).as("single node").isNull();
    }

    /** A fake: a store that never answers (a real one answers or fails within Lettuce's own timeout). */
    @Test
    void aStoreThatDoesNotAnswerGivesNoAnswerAfterTheBoundedWait() {
        AcmeCoordination silent = new AcmeCoordination() {
            @Override
            public CompletionStage<Void> publish(String token, String keyAuthorization, Duration ttl) {
                return new CompletableFuture<>();
            }

            @Override
            public CompletionStage<Optional<String>> lookup(String token) {
                return new CompletableFuture<>();
            }

            @Override
            public CompletionStage<Boolean> tryLock(String host, String holder, Duration ttl) {
                return new CompletableFuture<>();
            }

            @Override
            public CompletionStage<Boolean> unlock(String host, String holder) {
                return new CompletableFuture<>();
            }
        };
        long started = System.nanoTime();
        assertThat(new TlsHooks(tokens, silent).askCluster("/.well-known/acme-challenge/tokB").toCompletableFuture()
                .join()).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .isBetween(TlsHooks.CLUSTER_WAIT.minusMillis(100), TlsHooks.CLUSTER_WAIT.plusSeconds(3));
    }
}
