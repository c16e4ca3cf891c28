package io.tuns.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.config.ConfigException;
import io.tuns.server.config.ServerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MainTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final List<ServerConfig> launched = new ArrayList<>();

    private int run(Map<String, String> env, ServerLauncher launcher, String... args) {
        return Main.run(args, env, new PrintWriter(out, true), new PrintWriter(err, true), launcher);
    }

    private int run(String... args) {
        return run(Map.of(), launched::add, args);
    }

    @Test
    void helpListsTheServeOptionsWithDefaultsAndStartsNothing() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).startsWith("Usage: tuns serve")
                .contains("-a, --ssh-address=HOST:PORT", "(default: localhost:2222)", "--sni-proxy[=BOOL]")
                .as("issue #16: where the admin console is")
                .containsPattern("Serve the admin console at http://<domain>/_sish/console\\?\\s+x-authorization=<admin token>");
        assertThat(launched).isEmpty();
        StringWriter first = new StringWriter();
        first.write(out.toString());
        out.getBuffer().setLength(0);
        assertThat(run("serve", "--help")).isZero();
        assertThat(out.toString()).as("a leading 'serve' word is accepted").isEqualTo(first.toString());
    }

    @Test
    void versionPrintsAndStartsNothing() {
        assertThat(run("--version")).isZero();
        assertThat(out.toString()).startsWith("tuns ");
        assertThat(launched).isEmpty();
    }

    @Test
    void configErrorsAreOneLineOnStderrWithExitCode2() {
        assertThat(run("--ping-client-interval=5x")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("tuns: --ping-client-interval: '5x' is not a duration"
                + " (examples: 5s, 200ms, 15m)" + System.lineSeparator());
        assertThat(out.toString()).isEmpty();
        assertThat(launched).isEmpty();

        err.getBuffer().setLength(0);
        assertThat(run("--bogus")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("tuns: unknown flag '--bogus'; see --help" + System.lineSeparator());
    }

    @Test
    void loadsFlagsAndEnvironmentPrintsWarningsThenLaunches() {
        int code = run(Map.of("TUNS_DOMAIN", "env.example", "SISH_WELCOME_MESSAGE", "hi"), launched::add,
                "serve", "--http-address=127.0.0.1:0", "--load-templates=false");
        assertThat(code).isZero();
        assertThat(launched).hasSize(1);
        assertThat(launched.get(0).domain()).isEqualTo("env.example");
        assertThat(launched.get(0).welcomeMessage()).isEqualTo("hi");
        assertThat(launched.get(0).httpAddress()).isEqualTo("127.0.0.1:0");
        assertThat(err.toString()).isEqualTo("tuns: warning: --load-templates is accepted for sish compatibility but not"
                + " implemented yet; ignored" + System.lineSeparator());
    }

    @Test
    void startFailuresExitWithoutStackTraces() {
        assertThat(run(Map.of(), c -> {
            throw new ConfigException("--authentication-keys-directory: no keys and no password");
        })).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("tuns: --authentication-keys-directory: no keys and no password"
                + System.lineSeparator());
        err.getBuffer().setLength(0);
        assertThat(run(Map.of(), c -> {
            throw new IOException("Address already in use");
        })).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("tuns: could not start: Address already in use" + System.lineSeparator());
    }
}
