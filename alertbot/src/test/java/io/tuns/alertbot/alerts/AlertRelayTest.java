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
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlertRelayTest {
    @TempDir
    Path dir;
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    RecordingMailSink mail = new RecordingMailSink();
    List<List<String>> irc = new ArrayList<>();
    List<Runnable> unconfirmed = new ArrayList<>();
    boolean ircUp = true;

    AlertRelay relay(Heartbeat hb) {
        return new AlertRelay((lines, onUnconfirmed) -> {
            if (!ircUp) {
                return false;
            }
            irc.add(lines);
            unconfirmed.add(onUnconfirmed);
            return true;
        }, mail, new AlertFormatter(5, 400), new MailText(ZoneId.of("UTC"), "b@x.org"), List.of("ops@x.org"), clock,
                hb, (c, r) -> { });
    }

    Heartbeat heartbeat() throws Exception {
        return new Heartbeat(new AlertbotConfig.Heartbeat(true, "Watchdog", Duration.ofMinutes(10)), clock, mail,
                new MailText(ZoneId.of("UTC"), "b@x.org"), List.of("ops@x.org"), new StateStore(dir));
    }

    static WebhookPayload payload(Alert... alerts) {
        return new WebhookPayload("firing", "r", Map.of(), Map.of(), Map.of(), "", "", List.of(alerts), 0);
    }

    static Alert alert(String name, String status) {
        return new Alert(status, Map.of("alertname", name), Map.of(), "", "", "");
    }

    @Test
    void ircWhenUpMailWhenDownAndMailWhenUnconfirmed() throws Exception {
        AlertRelay r = relay(heartbeat());
        assertThat(r.relay(payload(alert("A", "firing"), alert("B", "resolved")))).isTrue();
        assertThat(irc).hasSize(2);
        assertThat(mail.mails).isEmpty();
        unconfirmed.get(0).run();
        assertThat(mail.subjects()).containsExactly("[FIRING:1] A");
        ircUp = false;
        assertThat(r.relay(payload(alert("C", "firing")))).isTrue();
        assertThat(mail.subjects()).containsExactly("[FIRING:1] A", "[FIRING:1] C");
        assertThat(mail.mails.get(1).body()).contains("The IRC link is down");
    }

    @Test
    void heartbeatAlertsFeedTheSwitchAndAreNotRelayed() throws Exception {
        Heartbeat hb = heartbeat();
        AlertRelay r = relay(hb);
        clock.advance(Duration.ofMinutes(9));
        r.relay(payload(alert("Watchdog", "firing")));
        assertThat(irc).isEmpty();
        clock.advance(Duration.ofMinutes(9));
        hb.tick();
        assertThat(mail.mails).isEmpty();
        clock.advance(Duration.ofMinutes(2));
        hb.tick();
        hb.tick();
        assertThat(mail.subjects()).containsExactly("[SILENT] alert pipeline silent since 2026-01-01T00:09:00Z");
        clock.advance(Duration.ofMinutes(5));
        r.relay(payload(alert("Watchdog", "firing")));
        assertThat(mail.mails).hasSize(2);
        assertThat(mail.mails.get(1).subject()).startsWith("[RECOVERED] alert pipeline heartbeat back after 16m");
        assertThat(mail.mails.get(1).inReplyTo()).contains(mail.mails.get(0).messageId());
    }

    @Test
    void restartsDoNotPostponeTheFirstSilentMail() throws Exception {
        heartbeat();
        clock.advance(Duration.ofMinutes(6));
        heartbeat();
        clock.advance(Duration.ofMinutes(6));
        heartbeat().tick();
        assertThat(mail.subjects()).containsExactly("[SILENT] alert pipeline silent since 2026-01-01T00:00:00Z");
    }

    @Test
    void silentStateSurvivesRestart() throws Exception {
        Heartbeat hb = heartbeat();
        clock.advance(Duration.ofMinutes(11));
        hb.tick();
        assertThat(mail.mails).hasSize(1);
        Heartbeat again = heartbeat();
        again.tick();
        assertThat(mail.mails).hasSize(1);
        assertThat(again.state().silent()).isTrue();
    }

    /** After an outage: one summary line when IRC is back, and a RESOLVED that says where its FIRING went. */
    @Test
    void ircBackGetsOneSummaryLineAndTheResolvedSaysItsFiringWasMailed() throws Exception {
        AlertRelay r = relay(heartbeat());
        ircUp = false;
        r.relay(payload(alert("DiskFull", "firing"), alert("HighMemory", "firing")));
        clock.advance(Duration.ofMinutes(3));
        r.relay(payload(alert("HighMemory", "resolved")));
        assertThat(mail.mails).hasSize(2);

        ircUp = true;
        r.ircIsBack();
        assertThat(irc).containsExactly(List.of("While IRC was down (since 00:00:00 UTC) 3 alerts went by e-mail only"
                + " (2 firing, 1 resolved): DiskFull, HighMemory"));
        r.ircIsBack();
        assertThat(irc).as("one summary per outage").hasSize(1);

        r.relay(payload(alert("DiskFull", "resolved")));
        assertThat(irc.get(1)).hasSize(2);
        assertThat(irc.get(1).get(0)).startsWith("[RESOLVED:1] DiskFull");
        assertThat(irc.get(1).get(1)).isEqualTo("(its FIRING went by e-mail while IRC was down)");
        r.relay(payload(alert("DiskFull", "firing")));
        r.relay(payload(alert("DiskFull", "resolved")));
        assertThat(irc.get(3)).as("a FIRING that reached IRC needs no note").hasSize(1);
    }
}
