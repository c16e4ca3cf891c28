package io.tuns.server.tunnel;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * What ACME issuance shares between cluster nodes: HTTP-01 answers, so whichever node the CA reaches can answer a
 * challenge another node's order is waiting on, and a lock per host, so the cluster places one order per host at a
 * time. Every entry carries a TTL, so a node that dies holding one frees it by itself. {@link LocalAcmeCoordination}
 * is the single-node default; the cluster package keeps these in the cluster store. Calls never block.
 */
public interface AcmeCoordination {

    /** Publishes the key authorization for {@code token} for {@code ttl}. */
    CompletionStage<Void> publish(String token, String keyAuthorization, Duration ttl);

    /** The key authorization published for {@code token}, if it has not expired. */
    CompletionStage<Optional<String>> lookup(String token);

    /** Takes the order lock for {@code host} for {@code ttl} unless another holder has it; true when taken. */
    CompletionStage<Boolean> tryLock(String host, String holder, Duration ttl);

    /** Releases the lock for {@code host} if {@code holder} still has it; true when released. */
    CompletionStage<Boolean> unlock(String host, String holder);
}
