package io.tuns.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.config.HostPort;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which address main binds early: the flag's (both spellings), else the variable's, else none. */
class EarlyBindTest {

    private static Optional<HostPort> ssh(Map<String, String> env, String... args) {
        return EarlyBind.address(args, env, "ssh-address");
    }

    @Test
    void theFlagInEitherSpellingWinsOverTheVariables() {
        Map<String, String> env = Map.of("TUNS_SSH_ADDRESS", ":1", "SISH_SSH_ADDRESS", ":2");
        assertThat(ssh(env, "--ssh-address=127.0.0.1:2222")).contains(new HostPort("127.0.0.1", 2222));
        assertThat(ssh(env, "--ssh-address", "[::1]:22")).contains(new HostPort("::1", 22));
        assertThat(ssh(env, "--ssh-address=:1", "--ssh-address=:3")).contains(new HostPort("0.0.0.0", 3)); // last wins
    }

    @Test
    void withoutTheFlagTunsVariablesComeBeforeSishOnes() {
        assertThat(ssh(Map.of("TUNS_SSH_ADDRESS", ":1", "SISH_SSH_ADDRESS", ":2"))).contains(new HostPort("0.0.0.0", 1));
        assertThat(ssh(Map.of("SISH_SSH_ADDRESS", ":2"))).contains(new HostPort("0.0.0.0", 2));
    }

    @Test
    void nothingOrSomethingUnparseableBindsNothingAndLeavesTheErrorToTheServer() {
        assertThat(ssh(Map.of())).isEmpty();
        assertThat(ssh(Map.of(), "--ssh-address")).isEmpty();
        assertThat(ssh(Map.of(), "--ssh-address=nonsense")).isEmpty();
        assertThat(ssh(Map.of(), "--ssh-address=:99999")).isEmpty();
        assertThat(ssh(Map.of(), "--http-address=:80")).isEmpty();
    }
}
