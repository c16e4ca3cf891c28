package io.tuns.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Debian's haproxy accepts the shipped cluster config (`haproxy -c`), and refuses it without its variables. */
class HaproxyConfigTest {

    record Result(int exit, String output) {
    }

    static Result check(Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("haproxy", "-c", "-f", HaproxyConfig.file().toString())
                .redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("TUNS_"));
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (java.io.IOException e) {
            throw new AssertionError("haproxy not found: run .ci/deps (Debian's haproxy package)", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }

    @Test
    void theShippedConfigIsValidWithTheDocumentedValues() throws Exception {
        Result r = check(HaproxyConfig.deployment());
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("Configuration file is valid");
    }

    @Test
    void aMissingAddressIsAnErrorNotASilentDefault() throws Exception {
        Map<String, String> env = new HashMap<>(HaproxyConfig.deployment());
        env.remove("TUNS_HTTP_PORT");
        Result r = check(env);
        assertThat(r.exit()).as(r.output()).isNotZero();
    }
}
