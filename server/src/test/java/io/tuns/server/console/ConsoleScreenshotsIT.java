package io.tuns.server.console;

import io.tuns.server.it.Curl;
import io.tuns.server.it.SshClient;
import io.tuns.server.it.TestBackend;
import io.tuns.server.it.TunsFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.tuns.server.console.ConsoleBrowserIT.await;
import static io.tuns.server.console.ConsoleBrowserIT.chromium;
import static io.tuns.server.console.ConsoleBrowserIT.clickRow;
import static io.tuns.server.console.ConsoleBrowserIT.rows;
import static io.tuns.server.console.ConsoleBrowserIT.text;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Not a test: regenerates the console screenshots in docs/ (list, detail, replay, admin at 1400 and 390 px) in
 * headless Chromium against real traffic. Runs only when TUNS_SCREENSHOTS names the output directory; use
 * docs/screenshots.sh.
 */
@EnabledIfEnvironmentVariable(named = "TUNS_SCREENSHOTS", matches = ".+")
class ConsoleScreenshotsIT {

    static final String ADMIN_TOKEN = "screenshot-admin-token";

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void screenshots() throws Exception {
        Path out = Files.createDirectories(Path.of(System.getenv("TUNS_SCREENSHOTS")));
        Path dir = Files.createTempDirectory("tuns-screenshots");
        Path form = Files.writeString(dir.resolve("notes.txt"), "meeting notes\n");
        WebDriver driver = null;
        try (TestBackend backend = new TestBackend();
             TunsFixture tuns = TunsFixture.start("--service-console", "--admin-console",
                     "--admin-console-token=" + ADMIN_TOKEN)) {
            SshClient ssh = tuns.ssh("-R", "myapp:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            String link = ssh.await(ConsoleReconnectIT.LINK, Duration.ofSeconds(20));
            SshClient shop = tuns.ssh("-R", "shop:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            shop.await(ConsoleReconnectIT.LINK, Duration.ofSeconds(20));
            String base = "http://myapp.localhost:" + tuns.server.httpPort();
            Curl.run(base + "/hello?lang=en&page=2");
            Curl.run("-u", "alice:secret", "-H", "Content-Type: application/json", "--data-binary",
                    "{\"order\":42,\"items\":[{\"sku\":\"A-1\",\"qty\":2}],\"gift\":false}", base + "/sha256?api=orders");
            Curl.run("-F", "title=Weekly", "-F", "file=@" + form + ";type=text/plain", base + "/sha256?upload");
            Curl.run(base + "/bytes?size=3000");
            Curl.run(base + "/missing/page");
            Curl.run(base + "/headers");

            driver = chromium(Files.createDirectories(dir.resolve("profile")));
            WebDriver d = driver;
            for (int width : new int[] {1400, 390}) {
                d.manage().window().setSize(new Dimension(width, width > 1000 ? 900 : 844));
                d.get(link);
                await(d, "live", () -> text(d, "live").equals("live"));
                await(d, "rows", () -> rows(d).size() >= 6);
                shot(d, out.resolve("console-list-" + width + ".png"));

                clickRow(d, "?api=orders");
                await(d, "detail", () -> text(d, "d-req-body").contains("order"));
                scrollTo(d, "detail-pane");
                shot(d, out.resolve("console-detail-" + width + ".png"));

                d.findElement(By.id("edit")).click();
                await(d, "edit form", () -> d.findElement(By.id("editor")).isDisplayed());
                d.findElement(By.id("e-send")).click();
                await(d, "replay result", () -> text(d, "r-summary").startsWith("200"));
                scrollTo(d, "editor");
                shot(d, out.resolve("console-replay-" + width + ".png"));

                d.get("http://localhost:" + tuns.server.httpPort() + "/_sish/console?x-authorization=" + ADMIN_TOKEN);
                await(d, "admin figures", () -> text(d, "route-rows").contains("req/s"));
                long until = System.nanoTime() + 11_000_000_000L; // two refreshes with traffic: a rate and a sparkline
                while (System.nanoTime() < until) {
                    tuns.get("shop.localhost", "/hello?tick"); // another tunnel: myapp's list stays as it was
                    Thread.sleep(150);
                }
                shot(d, out.resolve("admin-" + width + ".png"));
            }
            ssh.close();
            shop.close();
        } finally {
            if (driver != null) {
                driver.quit();
            }
        }
    }

    private static void scrollTo(WebDriver d, String id) {
        ((JavascriptExecutor) d).executeScript("document.getElementById(arguments[0]).scrollIntoView()", id);
    }

    private static void shot(WebDriver d, Path file) throws Exception {
        Thread.sleep(300); // let the last frame paint
        byte[] png = ((TakesScreenshot) d).getScreenshotAs(OutputType.BYTES);
        Files.write(file, png);
        assertThat(png.length).as(file.toString()).isGreaterThan(1000);
    }
}
