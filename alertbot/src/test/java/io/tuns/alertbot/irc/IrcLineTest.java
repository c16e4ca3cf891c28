package io.tuns.alertbot.irc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class IrcLineTest {
    @Test
    void parsesPrefixCommandAndTrailing() {
        IrcLine l = IrcLine.parse(":*status!znc@znc.in PRIVMSG alertbot :Disconnected from IRC. Reconnecting...");
        assertThat(l.nick()).isEqualTo("*status");
        assertThat(l.command()).isEqualTo("PRIVMSG");
        assertThat(l.params()).containsExactly("alertbot", "Disconnected from IRC. Reconnecting...");
    }

    @Test
    void parsesTagsNumericsAndNoTrailing() {
        IrcLine l = IrcLine.parse("@time=2024-01-01T00:00:00Z :irc.test 001 bot :Welcome");
        assertThat(l.command()).isEqualTo("001");
        assertThat(l.nick()).isEqualTo("irc.test");
        assertThat(l.param(0)).isEqualTo("bot");
        IrcLine j = IrcLine.parse(":bot!u@h JOIN #ops");
        assertThat(j.param(0)).isEqualTo("#ops");
        assertThat(IrcLine.parse("ERROR :Closing link").last()).isEqualTo("Closing link");
        assertThat(IrcLine.parse("").command()).isEmpty();
    }

    @Test
    void keepsTheTagsZncSendsOnPlayback() {
        IrcLine l = IrcLine.parse("@batch=1a8b;time=2026-12-02T17:52:10.968Z :carol!~carol@127.0.0.1 PRIVMSG #ops :alice: hi");
        assertThat(l.tag("batch")).isEqualTo("1a8b");
        assertThat(ServerTime.parse(l.tag("time"))).contains(Instant.parse("2026-12-02T17:52:10.968Z"));
        assertThat(l.command()).isEqualTo("PRIVMSG");
        assertThat(l.last()).isEqualTo("alice: hi");
        assertThat(l.tag("absent")).isEmpty();
        assertThat(ServerTime.parse("yesterday")).isEmpty();
        assertThat(IrcLine.parse("PING :x").tags()).isEmpty();
    }
}
