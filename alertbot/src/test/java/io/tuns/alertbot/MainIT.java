package io.tuns.alertbot;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --send-test-mail} against GreenMail; and the same against a closed port (one-line error, exit 1). */
class MainIT {
    @TempDir
    Path dir;

    @Test
    void sendTestMail() throws Exception {
        int port = IrcServers.freePort();
        Path pw = Files.writeString(dir.resolve("pw"), "hunter2\n");
        Path cfg = Files.writeString(dir.resolve("alertbot.yml"),
                MainTest.config(dir, "password-file: " + pw).replace("security: plain", "security: plain\n  port: " + port
                        + "\n  timeout: 3s"));
        MainTest.Run failed = MainTest.run("--config", cfg.toString(), "--send-test-mail");
        assertThat(failed.code()).isEqualTo(1);
        assertThat(failed.err().strip()).startsWith("tuns alertbot: test mail failed:").doesNotContain("\n");

        GreenMail smtp = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        try {
            MainTest.Run ok = MainTest.run("--config", cfg.toString(), "--send-test-mail");
            assertThat(ok.code()).isZero();
            MimeMessage[] got = smtp.getReceivedMessages();
            assertThat(got).hasSize(1);
            assertThat(got[0].getSubject()).isEqualTo("[TEST] tuns alertbot mail works");
            assertThat(got[0].getHeader("Auto-Submitted")[0]).isEqualTo("auto-generated");
        } finally {
            smtp.stop();
        }
    }
}
