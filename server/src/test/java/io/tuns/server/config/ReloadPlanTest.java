package io.tuns.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which changed keys a running tuns takes over from its config file, and which it names as needing a restart. */
class ReloadPlanTest {

    @Test
    void liveKeysAreAppliedAndEveryOtherChangedKeyIsNamed() {
        ServerConfig running = ConfigLoader.fromArgs();
        ServerConfig fresh = ConfigLoader.fromArgs("--debug", "--time-format=15:04:05", "--log-http-requests=false",
                "--force-all-https", "--banned-subdomains=localhost,admin");
        ReloadPlan plan = ReloadPlan.of(running, fresh);
        assertThat(plan.applied()).containsExactlyInAnyOrder("debug", "time-format", "log-http-requests");
        assertThat(plan.restart()).containsExactlyInAnyOrder("force-all-https", "banned-subdomains");
    }

    @Test
    void anUnchangedFileChangesNothing() {
        ReloadPlan plan = ReloadPlan.of(ConfigLoader.fromArgs("--debug"), ConfigLoader.fromArgs("--debug"));
        assertThat(plan.applied()).isEmpty();
        assertThat(plan.restart()).isEmpty();
    }

    @Test
    void everyLiveKeyIsARealFlagAndSaysSoInItsHelp() {
        for (String key : ReloadPlan.LIVE) {
            Flag flag = Flags.ALL.stream().filter(f -> f.name().equals(key)).findFirst().orElseThrow();
            assertThat(flag.help()).as(key).contains("reloaded from the config file");
        }
    }
}
