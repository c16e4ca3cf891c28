package io.tuns.server.console;

import io.tuns.server.it.Curl;
import io.tuns.server.it.SshClient;
import io.tuns.server.it.TestBackend;
import io.tuns.server.it.TunsFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tuns.server.console.ConsoleBrowserIT.await;
import static io.tuns.server.console.ConsoleBrowserIT.chromium;
import static io.tuns.server.console.ConsoleBrowserIT.clickRow;
import static io.tuns.server.console.ConsoleBrowserIT.text;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #16 items 1, 3, 6 and 8 in Chromium against real curl traffic: an authenticated multipart POST captured while
 * no console tab was open replays byte for byte (SHA-256 of the raw request the service read off its socket), its
 * secrets never reach the page, edit-and-replay sends the kept secret and the captured body, a truncated body is
 * refused with the reason, a new selection closes the old edit, and the console's icon never reaches the service.
 */
class ConsoleReplayIT {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aCapturedAuthenticatedMultipartPostReplaysByteIdentical() throws Exception {
        Path dir = Files.createTempDirectory("tuns-replay-it");
        byte[] binary = new byte[512];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i; // every byte value, NUL and CR LF included
        }
        Path file = Files.write(dir.resolve("blob.bin"), binary);
        Path big = Files.write(dir.resolve("big.bin"), new byte[3000]);
        WebDriver driver = null;
        try (TestBackend backend = new TestBackend();
             TunsFixture tuns = TunsFixture.start("--service-console", "--service-console-max-content-length=2KiB")) {
            SshClient ssh = tuns.ssh("-R", "app:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            String link = ssh.await("Service console can be accessed here: (https?://[A-Za-z0-9.:/_?=&%-]+)",
                    Duration.ofSeconds(20));
            String base = "http://app.localhost:" + tuns.server.httpPort();

            // No console tab is open yet: capture is on by default with --service-console.
            Curl.Result form = Curl.run("-u", "alice:s3cret-pass", "-H", "Cookie: sid=abc123; theme=dark", "-H", "Expect:",
                    "-F", "note=hello", "-F", "file=@" + file + ";type=application/octet-stream", base + "/sha256?form");
            assertThat(form.exit()).as(form.out()).isZero();
            Curl.Result large = Curl.run("-H", "Expect:", "--data-binary", "@" + big, base + "/sha256?big");
            assertThat(large.exit()).as(large.out()).isZero();
            assertThat(raw(backend, "POST /sha256?form")).hasSize(1);
            byte[] original = raw(backend, "POST /sha256?form").get(0);
            String secretB64 = Base64.getEncoder().encodeToString("alice:s3cret-pass".getBytes(StandardCharsets.UTF_8));
            assertThat(new String(original, StandardCharsets.ISO_8859_1)).contains("Authorization: Basic " + secretB64)
                    .contains("Cookie: sid=abc123; theme=dark").contains("multipart/form-data");

            driver = chromium(Files.createDirectories(dir.resolve("profile")));
            WebDriver d = driver;
            d.get(link);
            await(d, "live stream connected", () -> text(d, "live").equals("live"));
            clickRow(d, "?form");
            await(d, "form detail", () -> text(d, "d-title").equals("POST /sha256?form"));
            await(d, "the body was captured without a tab open", () -> text(d, "d-req-body").contains("seen"));
            assertThat(text(d, "d-req-body")).doesNotContain("capture was off").doesNotContain("not captured");
            assertThat(text(d, "d-req-headers")).contains("[redacted]");
            assertThat(d.getPageSource()).as("secrets never reach the browser")
                    .doesNotContain(secretB64).doesNotContain("abc123");

            // Replay as-is: the service reads the very same bytes off its socket.
            d.findElement(By.id("replay")).click();
            await(d, "replay answered", () -> text(d, "r-summary").startsWith("200"));
            assertThat(raw(backend, "POST /sha256?form").size()).isEqualTo(2);
            await(d, "the replay's row is marked", () -> d.findElements(By.cssSelector("#rows tr.replay")).size() == 1
                    && d.findElement(By.cssSelector("#rows tr.replay")).getText().contains("↻"));
            assertThat(sha256(raw(backend, "POST /sha256?form").get(1))).as("raw request of the replay")
                    .isEqualTo(sha256(original));

            // Edit & replay: the secret line shows the marker, the multipart body is left as captured.
            d.findElement(By.id("edit")).click();
            String headers = d.findElement(By.id("e-headers")).getDomProperty("value");
            assertThat(headers).contains("Authorization: " + ReplayRequests.KEPT_MARKER)
                    .contains("Cookie: " + ReplayRequests.KEPT_MARKER).doesNotContain(secretB64);
            WebElement uri = d.findElement(By.id("e-uri"));
            uri.clear();
            uri.sendKeys("/sha256?edited");
            d.findElement(By.id("e-send")).click();
            await(d, "edited replay reached the service", () -> raw(backend, "POST /sha256?edited").size() == 1);
            byte[] edited = raw(backend, "POST /sha256?edited").get(0);
            assertThat(new String(edited, StandardCharsets.ISO_8859_1)).startsWith("POST /sha256?edited HTTP/1.1")
                    .contains("Authorization: Basic " + secretB64).contains("Cookie: sid=abc123; theme=dark");
            assertThat(sha256(body(edited))).as("edited replay body").isEqualTo(sha256(body(original)));

            // Another request: the old edit and result close; its truncated body is refused with the reason.
            clickRow(d, "?big");
            await(d, "big detail", () -> text(d, "d-title").equals("POST /sha256?big"));
            assertThat(d.findElement(By.id("editor")).isDisplayed()).as("edit form closed").isFalse();
            assertThat(d.findElement(By.id("replay-result")).isDisplayed()).as("old result closed").isFalse();
            d.findElement(By.id("replay")).click();
            await(d, "refusal shown", () -> text(d, "r-summary").contains("cannot be re-sent whole"));
            assertThat(text(d, "r-summary")).contains("2048 of 3000 bytes");
            assertThat(raw(backend, "POST /sha256?big").size()).as("nothing was sent").isEqualTo(1);

            assertThat(backend.requests).as("the console's own icon and assets never reach the service")
                    .noneMatch(r -> r.contains("favicon") || r.contains("/_sish/"));
            ssh.close();
        } finally {
            if (driver != null) {
                driver.quit();
            }
        }
    }

    private static List<byte[]> raw(TestBackend backend, String requestLine) {
        byte[] prefix = (requestLine + " ").getBytes(StandardCharsets.ISO_8859_1);
        return backend.rawRequests.stream()
                .filter(r -> r.length >= prefix.length && Arrays.equals(r, 0, prefix.length, prefix, 0, prefix.length))
                .toList();
    }

    private static byte[] body(byte[] rawRequest) {
        for (int i = 0; i + 3 < rawRequest.length; i++) {
            if (rawRequest[i] == '\r' && rawRequest[i + 1] == '\n' && rawRequest[i + 2] == '\r'
                    && rawRequest[i + 3] == '\n') {
                return Arrays.copyOfRange(rawRequest, i + 4, rawRequest.length);
            }
        }
        throw new AssertionError("no end of head in the raw request");
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
