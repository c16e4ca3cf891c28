package io.tuns.server.console;

import io.tuns.server.it.Curl;
import io.tuns.server.it.SshClient;
import io.tuns.server.it.TestBackend;
import io.tuns.server.it.TunsFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

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
 * Issue #16 items 7, 9 and 10 in Chromium: the service console at 390 px (no sideways scrolling) driven by the
 * keyboard; copy as curl of a binary body goes through a file and leaves the live pill alone; a bad status filter
 * says why; the admin console shows live per-tunnel figures and asks before it disconnects anyone.
 */
class ConsoleUsabilityIT {

    static final String ADMIN_TOKEN = "admin-secret-0123456789";

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void keyboardNarrowScreenCurlFilesAndAnAdminThatAsksFirst() throws Exception {
        Path dir = Files.createTempDirectory("tuns-usability-it");
        byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i;
        }
        Path file = Files.write(dir.resolve("blob.bin"), binary);
        WebDriver driver = null;
        try (TestBackend backend = new TestBackend();
             TunsFixture tuns = TunsFixture.start("--service-console", "--admin-console",
                     "--admin-console-token=" + ADMIN_TOKEN)) {
            SshClient ssh = tuns.ssh("-R", "app:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            String link = ssh.await(ConsoleReconnectIT.LINK, Duration.ofSeconds(20));
            String base = "http://app.localhost:" + tuns.server.httpPort();
            Curl.run(base + "/hello?first");
            Curl.run("--data-binary", "@" + file, "-H", "Content-Type: application/octet-stream", base + "/sha256?bin");
            Curl.run(base + "/hello?third");
            Curl.run("-H", "Content-Type: application/json", "--data-binary", "{\"a\": 1,, \"b\": 2}", base + "/sha256?badjson");
            Curl.run("-H", "Content-Type: application/xml", "--data-binary", "<order><id>7</id><items><sku>A</sku></items></order>",
                    base + "/sha256?xml");
            Curl.run("--data-urlencode", "name=Ada Lovelace", "--data-urlencode", "lang=en", base + "/sha256?form&x=1");

            driver = chromium(Files.createDirectories(dir.resolve("profile")));
            WebDriver d = driver;
            JavascriptExecutor js = (JavascriptExecutor) d;
            d.manage().window().setSize(new Dimension(390, 844));
            d.get(link);
            await(d, "live", () -> text(d, "live").equals("live"));
            await(d, "six rows", () -> rows(d).size() == 6);
            assertThat(((Number) js.executeScript("return document.documentElement.scrollWidth")).intValue())
                    .as("nothing wider than a 390 px screen").isLessThanOrEqualTo(
                            ((Number) js.executeScript("return window.innerWidth")).intValue());

            // Keyboard: j/k move through the list and open the request, Esc closes, '/' goes to the filter.
            Actions keys = new Actions(d);
            js.executeScript("document.getElementById('list-pane').focus()"); // a click would select a row
            js.executeScript("document.getElementById('list-pane').focus()"); // a click would select a row
            // Detail views: a JSON error marked where the parser stopped, XML pretty printed, form and query tables.
            clickRow(d, "?badjson");
            await(d, "json error", () -> text(d, "d-req-body").contains("Not valid JSON"));
            assertThat(d.findElements(By.cssSelector("#d-req-body mark.json-err"))).hasSize(1);
            clickRow(d, "?xml");
            await(d, "xml pretty", () -> text(d, "d-req-body").contains("<order>\n  <id>7</id>\n  <items>"));
            clickRow(d, "?form");
            await(d, "form table", () -> text(d, "d-req-body").contains("name Ada Lovelace"));
            assertThat(text(d, "d-query")).contains("x 1");
            d.findElement(By.cssSelector("#d-req-body button[data-view='raw']")).click();
            assertThat(text(d, "d-req-body")).contains("POST /sha256?form&x=1 HTTP/1.1").contains("name=Ada+Lovelace");
            keys.sendKeys(Keys.ESCAPE).perform();
            await(d, "closed", () -> !d.findElement(By.id("detail-pane")).isDisplayed());
            js.executeScript("document.getElementById('list-pane').focus()");

            keys.sendKeys("j").perform();
            await(d, "j opens the newest", () -> text(d, "d-title").equals("POST /sha256?form&x=1"));
            keys.sendKeys("j", "j", "j").perform();
            await(d, "j three times more", () -> text(d, "d-title").equals("GET /hello?third"));
            keys.sendKeys("j").perform();
            await(d, "j again, the next one", () -> text(d, "d-title").equals("POST /sha256?bin"));
            keys.sendKeys(Keys.ARROW_UP).perform();
            await(d, "up goes back", () -> text(d, "d-title").equals("GET /hello?third"));
            keys.sendKeys(Keys.ESCAPE).perform();
            await(d, "Esc closes the detail", () -> !d.findElement(By.id("detail-pane")).isDisplayed());
            keys.sendKeys("/").perform();
            assertThat(d.switchTo().activeElement().getAttribute("id")).isEqualTo("f-path");
            keys.sendKeys(Keys.ESCAPE).perform();

            // Copy as curl of a binary body: a file, offered for download; the live pill stays "live".
            clickRow(d, "?bin");
            await(d, "bin detail", () -> text(d, "d-title").equals("POST /sha256?bin"));
            d.findElement(By.id("curl")).click();
            String curl = d.findElement(By.id("curl-text")).getDomProperty("value");
            assertThat(curl).containsPattern("--data-binary @'\\d+-request\\.bin'");
            WebElement download = d.findElement(By.id("curl-file"));
            assertThat(download.isDisplayed()).isTrue();
            assertThat(download.getAttribute("href")).endsWith("/body/request/raw");
            assertThat(download.getAttribute("download")).matches("\\d+-request\\.bin");
            assertThat(text(d, "live")).isEqualTo("live");
            assertThat(text(d, "toast")).startsWith("curl command");

            // A bad status filter says why instead of showing nothing.
            WebElement status = d.findElement(By.id("f-status"));
            status.sendKeys("2xxx");
            await(d, "the filter explains itself", () -> text(d, "count").contains("'2xxx' is not a status filter"));
            await(d, "filters are kept in the URL", () -> d.getCurrentUrl().contains("status=2xxx"));

            // Admin console: live figures per tunnel, and a disconnect asks first.
            d.manage().window().setSize(new Dimension(1400, 900));
            d.get("http://localhost:" + tuns.server.httpPort() + "/_sish/console?x-authorization=" + ADMIN_TOKEN);
            await(d, "figures", () -> text(d, "route-rows").contains("req/s")
                    && text(d, "route-rows").contains("6 req"));
            d.findElements(By.cssSelector("#client-rows button")).get(0).click();
            assertThat(d.switchTo().alert().getText()).contains("Disconnect").contains("127.0.0.1");
            d.switchTo().alert().dismiss();
            Thread.sleep(500);
            assertThat(tuns.get("app.localhost", "/hello").statusCode()).as("dismissed: still connected")
                    .isEqualTo(200);
            assertNoAlert(d);
            ssh.close();
        } finally {
            if (driver != null) {
                driver.quit();
            }
        }
    }

    private static void assertNoAlert(WebDriver d) {
        try {
            d.switchTo().alert();
            throw new AssertionError("an unexpected dialog is open");
        } catch (NoAlertPresentException expected) {
            // good
        }
    }
}
