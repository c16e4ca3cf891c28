package io.tuns.alertbot.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.alertbot.MutableClock;
import io.tuns.alertbot.RecordingMailSink;
import io.tuns.alertbot.config.AlertbotConfig;
import io.tuns.alertbot.irc.ChatMessage;
import io.tuns.alertbot.mail.MailText;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

class MentionForwarderTest {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    RecordingMailSink mail = new RecordingMailSink();
    MentionForwarder f = new MentionForwarder(new AlertbotConfig.Mentions(List.of(
            new AlertbotConfig.Person("alice", "alice@x.org", true),
            new AlertbotConfig.Person("bob", "bob@x.org", false)), Duration.ofMinutes(5), Duration.ofMinutes(10), 3),
            clock, mail, new MailText(ZoneId.of("UTC"), "b@x.org"));

    void say(String from, String text) {
        f.onMessage(new ChatMessage(clock.instant(), from, "#ops", text, false));
    }

    @Test
    void mentionsAreBatchedPerPerson() {
        say("carol", "alice: the tunnel is down");
        say("carol", "ALICE, bob, look");
        say("carol", "malice is not a mention");
        f.onMessage(new ChatMessage(clock.instant(), "dave", "alertbot", "psst", true));
        f.flush();
        assertThat(mail.subjects()).containsExactlyInAnyOrder("[IRC] 3 messages for alice", "[IRC] 1 message for bob");
        String body = mail.mails.stream().filter(m -> m.to().contains("alice@x.org")).findFirst().orElseThrow().body();
        assertThat(body).contains("<carol> alice: the tunnel is down").contains("(direct)  <dave> psst")
                .doesNotContain("malice");
        f.flush();
        assertThat(mail.mails).hasSize(2);
    }

    @Test
    void heldBackWhileThePersonIsActive() {
        say("alice", "I'm here");
        say("carol", "alice?");
        f.flush();
        assertThat(mail.mails).isEmpty();
        say("alice", "saw it");
        assertThat(f.queued("alice")).isZero();
        say("carol", "alice, one more");
        clock.advance(Duration.ofMinutes(11));
        f.flush();
        assertThat(mail.subjects()).containsExactly("[IRC] 1 message for alice");
    }

    @Test
    void queueIsBoundedOldestDroppedAndCounted() {
        for (int i = 0; i < 10; i++) {
            say("carol", "bob " + i);
        }
        assertThat(f.queued("bob")).isEqualTo(3);
        f.flush();
        assertThat(mail.subjects()).containsExactly("[IRC] 10 messages for bob");
        assertThat(mail.mails.get(0).body()).contains("bob 9").doesNotContain("bob 6\n").contains("7 earlier messages omitted");
    }
}
