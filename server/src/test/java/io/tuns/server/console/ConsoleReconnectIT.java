package io.tuns.server.console;

import io.tuns.server.it.Curl;
import io.tuns.server.it.SshClient;
import io.tuns.server.it.TestBackend;
import io.tuns.server.it.TunsFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.WebDriver;

import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.tuns.server.console.ConsoleBrowserIT.await;
import static io.tuns.server.console.ConsoleBrowserIT.chromium;
import static io.tuns.server.console.ConsoleBrowserIT.clickRow;
import static io.tuns.server.console.ConsoleBrowserIT.rows;
import static io.tuns.server.console.ConsoleBrowserIT.text;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #16 item 2 in Chromium: the real ssh client disconnects and reconnects with the same key (a laptop that slept,
 * autossh); it is printed the same console link, and the tab that stayed open reconnects by itself, keeps its list
 * and can still open the requests captured before the disconnect.
 */
class ConsoleReconnectIT {

    static final String LINK = "Service console can be accessed here: (https?://[A-Za-z0-9.:/_?=&%-]+)";

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aSameKeyReconnectKeepsTheHistoryAndTheLink() throws Exception {
        WebDriver driver = null;
        try (TestBackend backend = new TestBackend(); TunsFixture tuns = TunsFixture.start("--service-console")) {
            String forward = "app:80:127.0.0.1:" + backend.port();
            SshClient first = tuns.ssh("-R", forward, "127.0.0.1");
            String link = first.await(LINK, Duration.ofSeconds(20));
            String base = "http://app.localhost:" + tuns.server.httpPort();
            assertThat(Curl.run(base + "/hello?before").out()).isEqualTo("hello from backend\n");

            driver = chromium(Files.createTempDirectory("tuns-chromium"));
            WebDriver d = driver;
            d.get(link);
            await(d, "live", () -> text(d, "live").equals("live"));
            await(d, "the first request listed", () -> rows(d).size() == 1);

            first.close();
            await(d, "the page sees the tunnel leave", () -> text(d, "live").contains("away"));
            assertThat(rows(d)).as("the list stays").hasSize(1);

            SshClient second = tuns.ssh("-R", forward, "127.0.0.1");
            assertThat(second.await(LINK, Duration.ofSeconds(20))).as("same name, same key: same link")
                    .isEqualTo(link);
            await(d, "the tab reconnects by itself", () -> text(d, "live").equals("live"));
            assertThat(Curl.run(base + "/hello?after").out()).isEqualTo("hello from backend\n");
            await(d, "old and new requests listed", () -> rows(d).size() == 2);

            clickRow(d, "?before");
            await(d, "a request from before the reconnect still opens",
                    () -> text(d, "d-title").equals("GET /hello?before"));
            await(d, "with its response", () -> text(d, "d-resp-body").contains("hello from backend"));
            second.close();
        } finally {
            if (driver != null) {
                driver.quit();
            }
        }
    }
}
