package io.tuns.server.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Issue #15: the "no session channel yet, so ssh -N" shortcut never applies to a client that may send options later. */
class ForwardRequestsTest {

    @ParameterizedTest(name = "{0}, session open={1} → options may come={2}")
    @CsvSource({
            "SSH-2.0-OpenSSH_9.2p1 Debian-2, false, false", // OpenSSH opens its session right behind its forwards
            "SSH-2.0-OpenSSH_9.2p1 Debian-2, true,  true",
            "SSH-2.0-APACHE-SSHD-2.20.0,     false, true",  // a library may open its session later
            "SSH-2.0-Go,                     false, true",
            "'',                             false, true"})
    void theShortcutIsForOpenSshOnly(String version, boolean sessionOpen, boolean mayCome) {
        assertThat(ForwardRequests.optionsMayStillCome(version, sessionOpen)).isEqualTo(mayCome);
    }
}
