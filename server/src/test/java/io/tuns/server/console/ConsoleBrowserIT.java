package io.tuns.server.console;

import com.sun.net.httpserver.HttpServer;
import io.tuns.server.it.Curl;
import io.tuns.server.it.SshClient;
import io.tuns.server.it.TunsFixture;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The service console in Debian's Chromium (headless, Selenium): open the link the ssh session printed, watch requests
 * appear live, open one, replay one and see it reach the backend; hostile markup captured in a header and a body
 * (an {@code <img onerror>} and a {@code <script>}) never runs.
 */
class ConsoleBrowserIT {

    static final String CHROMIUM = "/usr/bin/chromium";
    static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    static final String HOSTILE_HEADER = "<img src=x onerror=\"window.__pwned='header'\">";
    static final String HOSTILE_BODY = "<html><script>window.__pwned='script'</script>"
            + "<img src=x onerror=\"window.__pwned='body'\"></html>";

    @Test
    void consoleShowsRequestsLiveReplaysAndNeverRunsCapturedMarkup() throws Exception {
        List<String> backendRequests = new CopyOnWriteArrayList<>();
        HttpServer backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        backend.createContext("/", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            backendRequests.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " " + body);
            byte[] answer;
            if (ex.getRequestURI().getPath().equals("/hostile")) {
                ex.getResponseHeaders().set("X-Evil", HOSTILE_HEADER);
                ex.getResponseHeaders().set("Content-Type", "text/html");
                answer = HOSTILE_BODY.getBytes(StandardCharsets.UTF_8);
            } else {
                ex.getResponseHeaders().set("Content-Type", "application/json");
                answer = ("{\"path\":\"" + ex.getRequestURI().getPath() + "\",\"got\":" + body.length() + "}")
                        .getBytes(StandardCharsets.UTF_8);
            }
            ex.sendResponseHeaders(200, answer.length);
            ex.getResponseBody().write(answer);
            ex.close();
        });
        backend.start();
        Path profile = Files.createTempDirectory("tuns-chromium");
        WebDriver browser = null;
        try (TunsFixture tuns = TunsFixture.start("--service-console")) {
            SshClient ssh = tuns.ssh("-R", "app:80:127.0.0.1:" + backend.getAddress().getPort(), "127.0.0.1");
            String link = ssh.await("Service console can be accessed here: (https?://[A-Za-z0-9.:/_?=&%-]+)",
                    Duration.ofSeconds(20));
            String base = "http://app.localhost:" + tuns.server.httpPort();
            assertThat(link).startsWith(base + "/_sish/console?x-authorization=");

            browser = chromium(profile);
            WebDriver driver = browser;
            driver.get(link);
            assertThat(driver.getCurrentUrl()).as("the token leaves the address bar").isEqualTo(base + "/_sish/console");
            await(driver, "live stream connected", () -> text(driver, "live").equals("live"));

            Curl.run(base + "/hello?i=1");
            Curl.run("--data-binary", "first body", "-H", "Content-Type: text/plain", base + "/submit");
            Curl.run("-H", "X-Probe: " + HOSTILE_HEADER, "--data-binary", HOSTILE_BODY, base + "/hostile");
            await(driver, "three rows appear live", () -> rows(driver).size() >= 3);

            // Detail of the hostile exchange: shown as text, never run.
            clickRow(driver, "/hostile");
            await(driver, "detail headers", () -> text(driver, "d-resp-headers").contains("onerror"));
            assertThat(text(driver, "d-req-headers")).contains(HOSTILE_HEADER);
            await(driver, "response body", () -> text(driver, "d-resp-body").contains("<script>"));
            assertThat(text(driver, "d-resp-body")).contains(HOSTILE_BODY);
            await(driver, "request body", () -> text(driver, "d-req-body").contains("<script>"));
            Thread.sleep(500); // give any injected handler a chance to fire
            assertThat(((JavascriptExecutor) driver).executeScript("return window.__pwned === undefined"))
                    .as("captured markup must not execute").isEqualTo(true);
            assertThat(driver.findElements(By.cssSelector("#detail-pane img, #detail-pane script"))).isEmpty();
            assertNoAlert(driver);

            // Replay the POST as-is through the same tunnel.
            clickRow(driver, "/submit");
            await(driver, "submit detail", () -> text(driver, "d-title").equals("POST /submit"));
            driver.findElement(By.id("replay")).click();
            await(driver, "replay result", () -> text(driver, "r-summary").startsWith("200"));
            assertThat(text(driver, "r-body")).containsPattern("\"got\":\\s*10");
            assertThat(backendRequests.stream().filter(r -> r.equals("POST /submit first body")).count())
                    .as("the replay reached the backend").isEqualTo(2);
            await(driver, "the replay shows up live too",
                    () -> rows(driver).stream().filter(r -> r.getText().contains("/submit")).count() == 2);

            // Edit and replay: new method, path, header and body.
            driver.findElement(By.id("edit")).click();
            WebElement uri = driver.findElement(By.id("e-uri"));
            uri.clear();
            uri.sendKeys("/edited");
            WebElement body = driver.findElement(By.id("e-body"));
            body.clear();
            body.sendKeys("second");
            driver.findElement(By.id("e-send")).click();
            await(driver, "edited replay reached the backend",
                    () -> backendRequests.contains("POST /edited second"));
            assertNoAlert(driver);
            assertThat(((JavascriptExecutor) driver).executeScript("return window.__pwned === undefined")).isEqualTo(true);
            ssh.close();
        } finally {
            if (browser != null) {
                browser.quit();
            }
            backend.stop(0);
        }
    }

    static WebDriver chromium(Path profile) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    static String text(WebDriver d, String id) {
        return d.findElement(By.id(id)).getText();
    }

    static List<WebElement> rows(WebDriver d) {
        return d.findElements(By.cssSelector("#rows tr[data-id]")); // not the virtual list's spacer rows
    }

    static WebElement row(WebDriver d, String path) {
        return rows(d).stream().filter(r -> r.getText().contains(path)).findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + path));
    }

    /** Clicks the row for {@code path}; the list re-renders the rows in view, so a stale row is looked up again. */
    static void clickRow(WebDriver d, String path) throws InterruptedException {
        for (int attempt = 0; ; attempt++) {
            try {
                row(d, path).click();
                return;
            } catch (StaleElementReferenceException e) {
                if (attempt >= 20) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    static void assertNoAlert(WebDriver d) {
        try {
            d.switchTo().alert();
            throw new AssertionError("an alert opened: captured markup ran");
        } catch (NoAlertPresentException expected) {
            // good
        }
    }

    static void await(WebDriver d, String what, Supplier<Boolean> condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < end) {
            try {
                if (Boolean.TRUE.equals(condition.get())) {
                    return;
                }
            } catch (RuntimeException e) {
                last = e; // stale elements while the list re-renders
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for: " + what + "; page text:\n"
                + d.findElement(By.tagName("body")).getText(), last);
    }
}
