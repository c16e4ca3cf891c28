package io.tuns.server.tls;

import java.util.Optional;

/** Answers ACME HTTP-01 challenges: the key authorization for a token this server is waiting to have checked. */
public interface ChallengeResponder {

    /** The path prefix the CA fetches, {@code /.well-known/acme-challenge/<token>} (RFC 8555 §8.3). */
    String PATH_PREFIX = "/.well-known/acme-challenge/";

    Optional<String> answer(String token);
}
