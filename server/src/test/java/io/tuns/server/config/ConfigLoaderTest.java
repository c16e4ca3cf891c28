package io.tuns.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private String[] withFile(String yaml, String... args) throws Exception {
        Path f = dir.resolve("config.yml");
        Files.writeString(f, yaml);
        String[] all = new String[args.length + 1];
        all[0] = "--config=" + f;
        System.arraycopy(args, 0, all, 1, args.length);
        return all;
    }

    @Test
    void flagBeatsEnvBeatsFileBeatsDefault() throws Exception {
        String yaml = "domain: file.example\nwelcome-message: from file\nping-client-interval: 7s\n";
        Map<String, String> env = Map.of("SISH_DOMAIN", "sish-env.example", "TUNS_DOMAIN", "tuns-env.example",
                "SISH_WELCOME_MESSAGE", "from sish env");
        ServerConfig c = ConfigLoader.load(withFile(yaml, "--domain=flag.example"), env);
        assertThat(c.domain()).as("flag over env").isEqualTo("flag.example");
        assertThat(c.welcomeMessage()).as("SISH_ env over file").isEqualTo("from sish env");
        assertThat(c.pingClientInterval()).as("file over default").isEqualTo(Duration.ofSeconds(7));
        assertThat(c.pingClientTimeout()).as("default").isEqualTo(Duration.ofSeconds(5));
        assertThat(ConfigLoader.load(withFile(yaml), env).domain()).as("TUNS_ over SISH_").isEqualTo("tuns-env.example");
        assertThat(ConfigLoader.load(withFile(yaml), Map.of("SISH_DOMAIN", "s.example")).domain()).isEqualTo("s.example");
        assertThat(ConfigLoader.load(withFile(yaml), Map.of()).domain()).as("file").isEqualTo("file.example");
    }

    @Test
    void configFileCanBeNamedByEnvironment() throws Exception {
        Path f = dir.resolve("other.yml");
        Files.writeString(f, "domain: env-file.example\n");
        assertThat(ConfigLoader.load(new String[0], Map.of("TUNS_CONFIG", f.toString())).domain())
                .isEqualTo("env-file.example");
        assertThatThrownBy(() -> ConfigLoader.load(new String[0], Map.of("SISH_CONFIG", dir.resolve("nope.yml").toString())))
                .hasMessageStartingWith("--config: file ").hasMessageEndingWith("nope.yml does not exist");
    }

    @Test
    void shortNamesBooleansListsSizesAndDurationsParse() throws Exception {
        ServerConfig c = ConfigLoader.fromArgs("-d", "t.example", "--service-console", "--bind-random-subdomains=false",
                "--inspect-always", "true", "-b", "www, admin", "--service-console-max-content-length", "-1",
                "--inspect-max-total-bytes=8MiB", "--ping-client-timeout=1h30m", "--cleanup-unauthed-timeout=200ms",
                "-a", "127.0.0.1:0", "-k", "/keys", "-u", "pw", "-j", "admin-token", "-m", "svc-token");
        assertThat(c.domain()).isEqualTo("t.example");
        assertThat(c.serviceConsole()).isTrue();
        assertThat(c.inspectAlways()).isTrue();
        assertThat(c.bindRandomSubdomains()).isFalse();
        assertThat(c.bannedSubdomains()).containsExactly("www", "admin");
        assertThat(c.serviceConsoleMaxContentLength()).isEqualTo(-1);
        assertThat(c.inspectMaxTotalBytes()).isEqualTo(8L << 20);
        assertThat(c.pingClientTimeout()).isEqualTo(Duration.ofMinutes(90));
        assertThat(c.cleanupUnauthedTimeout()).isEqualTo(Duration.ofMillis(200));
        assertThat(c.sshAddress()).isEqualTo("127.0.0.1:0");
        assertThat(c.authenticationKeysDirectory()).isEqualTo(Path.of("/keys"));
        assertThat(c.authenticationPassword()).isEqualTo("pw");
        assertThat(c.adminConsoleToken()).isEqualTo("admin-token");
        assertThat(c.serviceConsoleToken()).isEqualTo("svc-token");
    }

    @Test
    void aRepeatedFlagKeepsTheLastValueAsSishDoes() {
        assertThat(ConfigLoader.fromArgs("--domain=a.example", "--domain=b.example").domain()).isEqualTo("b.example");
    }

    @Test
    void yamlListsCommaStringsAndEnvVarsConvert() throws Exception {
        ServerConfig c = ConfigLoader.load(withFile("banned-subdomains: [a, b]\nbind-hosts: x.example, y.example\n"
                + "service-console: true\nbanned-ips:\n  - 10.0.0.0/8\n  - '::1'\nssh-window-size: 2MiB\n"),
                Map.of("SISH_SESSION_MESSAGE_QUEUE", "7", "TUNS_IDLE_CONNECTION", "true"));
        assertThat(c.bannedSubdomains()).containsExactly("a", "b");
        assertThat(c.bindHosts()).containsExactly("x.example", "y.example");
        assertThat(c.bannedIps()).containsExactly("10.0.0.0/8", "::1");
        assertThat(c.serviceConsole()).isTrue();
        assertThat(c.sshWindowSize()).isEqualTo(2L << 20);
        assertThat(c.sessionMessageQueue()).isEqualTo(7);
        assertThat(c.idleConnection()).isTrue();
    }

    /** Issue #15: sish's viper ignores unknown keys; tuns ignores them too, but says so, with a suggestion for a typo. */
    @Test
    void unknownYamlKeyIsAWarningWithASuggestion() throws Exception {
        ServerConfig c = ConfigLoader.load(withFile("domain: x.example\nssh-adress: localhost:22\n"), Map.of());
        assertThat(c.domain()).isEqualTo("x.example");
        assertThat(c.warnings()).contains(dir.resolve("config.yml")
                + ": unknown key 'ssh-adress' ignored (did you mean 'ssh-address'?)");
        assertThat(ConfigLoader.load(withFile("completely-unrelated-thing: 1\n"), Map.of()).warnings())
                .contains(dir.resolve("config.yml") + ": unknown key 'completely-unrelated-thing' ignored");
        assertThat(ConfigLoader.load(withFile("config: other.yml\n"), Map.of()).warnings())
                .contains(dir.resolve("config.yml") + ": key 'config' ignored (a config file cannot name another; use --config)");
    }

    /** Issue #15: the flags of sish's deploy/docker-compose.yml (test resource, copied unchanged) are accepted. */
    @Test
    void sishsDockerComposeFlagsLoad() throws Exception {
        Path compose = Path.of(getClass().getResource("/sish/docker-compose.yml").toURI());
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(compose.toFile());
        String[] flags = root.at("/services/sish/command").asText().trim().split("\\s+");
        assertThat(flags).contains("--domain=ssi.sh", "--https=true");
        ServerConfig c = ConfigLoader.fromArgs(flags);
        assertThat(c.domain()).isEqualTo("ssi.sh");
        assertThat(c.https()).isTrue();
        assertThat(c.sshAddress()).isEqualTo(":22");
        assertThat(c.bindRandomSubdomains()).isFalse();
    }

    /** Issue #15: sish's own config.example.yml (test resource, copied unchanged) loads and its values apply. */
    @Test
    void sishsOwnConfigExampleLoads() throws Exception {
        Path example = Path.of(getClass().getResource("/sish/config.example.yml").toURI());
        ServerConfig c = ConfigLoader.fromArgs("--config=" + example);
        assertThat(c.domain()).isEqualTo("ssi.sh");
        assertThat(c.welcomeMessage()).isEqualTo("Press Ctrl-C to close the session.");
        assertThat(c.warnings()).anyMatch(w -> w.contains("key 'config' ignored"));
    }

    @Test
    void malformedYamlFailsInOneLine() throws Exception {
        for (String yaml : List.of("domain: [unclosed\n", "- just\n- a list\n", "domain: a\ndomain: b\n",
                "domain: [a, b]\n", "banned-subdomains:\n  nested: map\n")) {
            assertThatThrownBy(() -> ConfigLoader.load(withFile(yaml), Map.of()))
                    .as(yaml).isInstanceOf(ConfigException.class)
                    .satisfies(e -> assertThat(e.getMessage()).startsWith(dir.resolve("config.yml").toString())
                            .doesNotContain("\n"));
        }
    }

    @Test
    void sishOnlyKeysLoadSoASishConfigWorksUnchanged() throws Exception {
        ServerConfig c = ConfigLoader.load(withFile("log-to-stdout: true\nload-templates: true\ndebug-interval: 2s\n"),
                Map.of());
        assertThat(c.warnings()).as("values equal to sish's defaults are not worth a warning").isEmpty();
        ServerConfig changed = ConfigLoader.load(withFile("load-templates: false\n"), Map.of());
        assertThat(changed.warnings()).containsExactly("--load-templates (set by " + dir.resolve("config.yml")
                + ": load-templates) is accepted for sish compatibility but not implemented yet; ignored");
    }

    @Test
    void explicitMissingFileFailsButMissingDefaultFileIsFine() {
        assertThatThrownBy(() -> ConfigLoader.fromArgs("--config=" + dir.resolve("missing.yml")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--config: file " + dir.resolve("missing.yml") + " does not exist");
        // the test's working directory (the module) has no config.yml
        assertThat(Files.exists(Path.of("config.yml"))).isFalse();
        assertThat(ConfigLoader.load(new String[0], Map.of()).domain()).isEqualTo("localhost");
    }

    @Test
    void fromArgsIgnoresTheEnvironmentAndTheDefaultFile() throws Exception {
        // fromArgs is for embedding and tests: only what is passed counts
        assertThat(ConfigLoader.fromArgs().domain()).isEqualTo("localhost");
        assertThat(ConfigLoader.fromArgs(withFile("domain: f.example\n")).domain()).isEqualTo("f.example");
    }

    @Test
    void notYetImplementedFlagsWarnInsteadOfBeingSilentlyIgnored() {
        ServerConfig c = ConfigLoader.fromArgs("--load-templates=false", "--domain=x.example", "--service-console",
                "--proxy-protocol-timeout=200ms", "--bind-wildcards=false");
        assertThat(c.warnings()).containsExactly(
                "--load-templates is accepted for sish compatibility but not implemented yet; ignored");
        ServerConfig sameValue = ConfigLoader.fromArgs("--authentication-key-request-timeout=5000ms");
        assertThat(sameValue.warnings()).as("5000ms is the default 5s").isEmpty();
    }

    @Test
    void warningsNameTheEnvironmentVariable() {
        ServerConfig c = ConfigLoader.load(new String[0], Map.of("SISH_LOAD_TEMPLATES", "false"));
        assertThat(c.warnings()).containsExactly(
                "--load-templates (set by SISH_LOAD_TEMPLATES) is accepted for sish compatibility but not implemented"
                        + " yet; ignored");
    }

    @Test
    void theUnimplementedSetNamesOnlyRealFlagsAndNoCoreFeature() {
        assertThat(UnimplementedFlags.NOT_YET_IMPLEMENTED).allSatisfy(f -> assertThat(Flags.byName(f)).isPresent());
        assertThat(UnimplementedFlags.NOT_YET_IMPLEMENTED).doesNotContain("ssh-address", "http-address", "domain",
                "redirect-root", "redirect-root-location", "bind-random-subdomains", "bind-random-subdomains-length",
                "force-requested-subdomains", "banned-subdomains", "authentication", "authentication-keys-directory",
                "authentication-password", "private-keys-directory", "private-key-passphrase", "welcome-message",
                "ping-client", "ping-client-interval", "cleanup-unauthed", "idle-connection", "service-console",
                "admin-console", "inspect-max-total-bytes", "console-max-viewers", "max-forwarded-channels",
                "metrics-user-labels");
    }
}
