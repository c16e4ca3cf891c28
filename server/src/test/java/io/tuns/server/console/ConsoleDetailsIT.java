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
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.tuns.server.console.ConsoleBrowserIT.await;
import static io.tuns.server.console.ConsoleBrowserIT.chromium;
import static io.tuns.server.console.ConsoleBrowserIT.clickRow;
import static io.tuns.server.console.ConsoleBrowserIT.row;
import static io.tuns.server.console.ConsoleBrowserIT.rows;
import static io.tuns.server.console.ConsoleBrowserIT.text;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #16 items 7, 9 and 10, the parts no other IT drives in Chromium: the capture marks say in a tooltip whether
 * a body was cut or not kept at all; the hex dump scrolls sideways instead of wrapping mid-line; one very long path
 * does not push the columns off screen; "Clear list" clears requests, not filters; and the admin console fits a
 * 390 px screen and, once confirmed, really disconnects the client.
 */
class ConsoleDetailsIT {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void marksHexLongPathsClearListAndANarrowAdmin() throws Exception {
        Path dir = Files.createTempDirectory("tuns-details-it");
        byte[] binary = new byte[512];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) (i * 7);
        }
        Path file = Files.write(dir.resolve("blob.bin"), binary);
        WebDriver driver = null;
        try (TestBackend backend = new TestBackend();
             TunsFixture tuns = TunsFixture.start("--service-console", "--inspect-always=false",
                     "--inspect-max-bytes-per-tunnel=64KiB", "--admin-console",
                     "--admin-console-token=" + ConsoleUsabilityIT.ADMIN_TOKEN)) {
            SshClient ssh = tuns.ssh("-R", "details:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            String link = ssh.await(ConsoleReconnectIT.LINK, Duration.ofSeconds(20));
            String base = "http://details.localhost:" + tuns.server.httpPort();
            Curl.run(base + "/hello?before-any-tab"); // --inspect-always=false and no tab open: not captured

            driver = chromium(Files.createDirectories(dir.resolve("profile")));
            WebDriver d = driver;
            JavascriptExecutor js = (JavascriptExecutor) d;
            d.manage().window().setSize(new Dimension(1400, 900));
            d.get(link);
            await(d, "live", () -> text(d, "live").equals("live"));
            Curl.run(base + "/bytes?size=200000&seed=3"); // more than the tunnel's 64 KiB: cut
            Curl.run("--data-binary", "@" + file, "-H", "Content-Type: application/octet-stream", base + "/sha256?bin");
            String longPath = "/hello/" + "segment-".repeat(250);
            Curl.run(base + longPath);
            await(d, "four rows", () -> rows(d).size() == 4);

            // ○ and ✂ are told apart by their tooltips.
            WebElement notKept = row(d, "?before-any-tab").findElement(By.cssSelector("span.trunc"));
            assertThat(notKept.getText()).isEqualTo("○");
            assertThat(notKept.getAttribute("title")).startsWith("response body not captured");
            WebElement cut = row(d, "/bytes?size=200000").findElement(By.cssSelector("span.trunc"));
            assertThat(cut.getText()).isEqualTo("✂");
            assertThat(cut.getAttribute("title")).startsWith("response body truncated");

            // A very long path stays in its column: nothing wider than the window, the status column in view.
            assertThat(((Number) js.executeScript("return document.documentElement.scrollWidth")).intValue())
                    .isLessThanOrEqualTo(((Number) js.executeScript("return window.innerWidth")).intValue());
            WebElement status = row(d, "segment-").findElement(By.cssSelector("td.status"));
            assertThat(((Number) js.executeScript("return arguments[0].getBoundingClientRect().right", status))
                    .doubleValue()).as("the status cell of the long row is on screen").isLessThanOrEqualTo(1400);
            assertThat(row(d, "segment-").findElement(By.cssSelector("td.path")).getAttribute("title"))
                    .as("the whole path is in the tooltip").isEqualTo(longPath);

            // The hex dump keeps its lines whole and scrolls sideways on a narrow screen.
            d.manage().window().setSize(new Dimension(390, 844));
            clickRow(d, "?bin");
            await(d, "bin detail", () -> text(d, "d-title").equals("POST /sha256?bin"));
            await(d, "the hex button", () -> !d.findElements(By.cssSelector("#d-req-body button[data-view='hex']"))
                    .isEmpty());
            d.findElement(By.cssSelector("#d-req-body button[data-view='hex']")).click();
            await(d, "the hex dump", () -> !d.findElements(By.cssSelector("#d-req-body pre.hex")).isEmpty());
            WebElement hex = d.findElement(By.cssSelector("#d-req-body pre.hex"));
            assertThat(js.executeScript("return getComputedStyle(arguments[0]).whiteSpace", hex)).isEqualTo("pre");
            assertThat(((Number) js.executeScript("return arguments[0].scrollWidth - arguments[0].clientWidth", hex))
                    .intValue()).as("lines wider than the screen scroll, they do not wrap").isPositive();
            String firstLine = hex.getText().split("\n")[0];
            double lineHeight = ((Number) js.executeScript(
                    "return parseFloat(getComputedStyle(arguments[0]).lineHeight)", hex)).doubleValue();
            long lines = hex.getText().lines().count();
            double contentHeight = ((Number) js.executeScript("return arguments[0].scrollHeight", hex)).doubleValue();
            assertThat(contentHeight).as("one rendered line per dump line (" + firstLine + ")")
                    .isLessThan((lines + 2) * lineHeight);
            d.findElement(By.id("close-detail")).click();
            d.manage().window().setSize(new Dimension(1400, 900));

            // "Clear list" empties the list but keeps the filter; later requests appear.
            WebElement path = d.findElement(By.id("f-path"));
            path.sendKeys("/hello");
            await(d, "filtered", () -> rows(d).size() == 2);
            d.findElement(By.id("clear-list")).click();
            await(d, "cleared", () -> rows(d).isEmpty());
            assertThat(path.getDomProperty("value")).as("the filter is kept").isEqualTo("/hello");
            Curl.run(base + "/hello?after-clear");
            await(d, "a new request after the clear", () -> rows(d).size() == 1
                    && rows(d).get(0).getText().contains("?after-clear"));

            // The admin console at 390 px: nothing wider than the screen; a confirmed disconnect disconnects.
            d.manage().window().setSize(new Dimension(390, 844));
            d.get("http://localhost:" + tuns.server.httpPort() + "/_sish/console?x-authorization="
                    + ConsoleUsabilityIT.ADMIN_TOKEN);
            await(d, "admin figures", () -> text(d, "route-rows").contains("req/s"));
            assertThat(((Number) js.executeScript("return document.documentElement.scrollWidth")).intValue())
                    .as("the admin page fits 390 px").isLessThanOrEqualTo(
                            ((Number) js.executeScript("return window.innerWidth")).intValue());
            d.findElements(By.cssSelector("#client-rows button")).get(0).click();
            d.switchTo().alert().accept();
            await(d, "the client is gone", () -> text(d, "message").contains("Disconnect: done")
                    && d.findElements(By.cssSelector("#client-rows tr")).isEmpty());
            assertThat(ssh.process().waitFor(10, TimeUnit.SECONDS)).as("the ssh client was disconnected").isTrue();
            assertThat(tuns.get("details.localhost", "/hello").statusCode()).isEqualTo(404);
        } finally {
            if (driver != null) {
                driver.quit();
            }
        }
    }
}
