package io.tuns.alertbot.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.alertbot.MutableClock;
import io.tuns.alertbot.RecordingMailSink;
import io.tuns.alertbot.config.AlertbotConfig;
import io.tuns.alertbot.mail.MailText;
import io.tuns.alertbot.state.StateStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeartbeatTest {
    @TempDir
    Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-02T10:00:00Z"));
    final RecordingMailSink mail = new RecordingMailSink();
    final AlertbotConfig.Heartbeat cfg = new AlertbotConfig.Heartbeat(true, "Watchdog", Duration.ofMinutes(10));

    Heartbeat start() throws Exception {
        return new Heartbeat(cfg, clock, mail, new MailText(ZoneOffset.UTC, "bot@example.org"),
                List.of("ops@example.org"), new StateStore(dir));
    }

    @Test
    void silentWhenTheWatchdogStopsWhileTheBotRuns() throws Exception {
        Heartbeat h = start();
        h.seen();
        clock.advance(Duration.ofMinutes(10));
        h.tick();
        assertThat(mail.mails).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        h.tick();
        assertThat(mail.subjects()).containsExactly("[SILENT] alert pipeline silent since 2026-12-02T10:00:00Z");
        h.tick();
        assertThat(mail.mails).hasSize(1);
        clock.advance(Duration.ofMinutes(5));
        h.seen();
        assertThat(mail.subjects().get(1)).startsWith("[RECOVERED] alert pipeline heartbeat back after 15m1s");
    }

    /** The incident: the bot was stopped longer than expect-every; its restart is not the pipeline's silence. */
    @Test
    void theBotsOwnDowntimeIsNotReportedAsSilence() throws Exception {
        start().seen();
        clock.advance(Duration.ofMinutes(30)); // bot stopped
        Heartbeat restarted = start();
        clock.advance(Duration.ofSeconds(1));
        restarted.tick();
        clock.advance(Duration.ofMinutes(2));
        restarted.seen(); // Alertmanager's next repeat
        clock.advance(Duration.ofMinutes(5));
        restarted.tick();
        assertThat(mail.mails).isEmpty();
    }

    @Test
    void afterARestartAPipelineThatStaysSilentIsReportedOneExpectEveryLater() throws Exception {
        start().seen();
        clock.advance(Duration.ofMinutes(30));
        Heartbeat restarted = start();
        clock.advance(Duration.ofMinutes(10));
        restarted.tick();
        assertThat(mail.mails).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        restarted.tick();
        assertThat(mail.subjects()).containsExactly("[SILENT] alert pipeline silent since 2026-12-02T10:00:00Z");
    }
}
