package io.tuns.server.console;

import io.tuns.server.it.Curl;
import io.tuns.server.it.SshClient;
import io.tuns.server.it.TestBackend;
import io.tuns.server.it.TunsFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.tuns.server.console.ConsoleBrowserIT.await;
import static io.tuns.server.console.ConsoleBrowserIT.chromium;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #16 item 10 (the admin console's live figures) in Chromium: per ssh client and per tunnel, requests/s and
 * bytes in/out as sparklines that move with real traffic, open channels (a held TCP connection counts, and stops
 * counting when it closes), captured bytes, errors and uptime.
 */
class AdminFiguresIT {

    private static final Pattern NONZERO_RATE = Pattern.compile("(^|\\s)(0\\.[0-9]*[1-9]|[1-9][0-9.]*) req/s");

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void clientsAndTunnelsShowLiveFiguresAndOpenChannels() throws Exception {
        Path dir = Files.createTempDirectory("tuns-admin-figures-it");
        WebDriver driver = null;
        try (TestBackend backend = new TestBackend();
             TunsFixture tuns = TunsFixture.start("--service-console", "--admin-console",
                     "--admin-console-token=" + ConsoleUsabilityIT.ADMIN_TOKEN)) {
            SshClient ssh = tuns.ssh("-R", "figs:80:127.0.0.1:" + backend.port(),
                    "-R", "0:localhost:" + backend.port(), "127.0.0.1");
            String tcpPort = ssh.await("Allocated port (\\d+) for remote forward", Duration.ofSeconds(20));
            ssh.await("TCP: localhost:" + tcpPort, Duration.ofSeconds(5));
            String base = "http://figs.localhost:" + tuns.server.httpPort();
            for (int i = 0; i < 3; i++) {
                Curl.run(base + "/hello?" + i);
            }
            byte[] upload = new byte[100 * 1024];
            Path file = Files.write(dir.resolve("upload.bin"), upload);
            Curl.run("--data-binary", "@" + file, base + "/sha256?upload");

            // One visitor holds a connection through the TCP tunnel: one channel open on that tunnel.
            try (Socket held = new Socket("127.0.0.1", Integer.parseInt(tcpPort))) {
                held.setSoTimeout(10_000);
                OutputStream out = held.getOutputStream();
                String request = "GET /hello HTTP/1.1\r\nHost: held\r\n\r\n";
                out.write(request.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                readUntil(held.getInputStream(), "hello from backend\n");

                driver = chromium(Files.createDirectories(dir.resolve("profile")));
                WebDriver d = driver;
                d.manage().window().setSize(new Dimension(1400, 900));
                d.get("http://localhost:" + tuns.server.httpPort() + "/_sish/console?x-authorization="
                        + ConsoleUsabilityIT.ADMIN_TOKEN);
                await(d, "client figures", () -> clientRow(d).getText().contains("1 open channel(s)"));
                String client = clientRow(d).getText();
                assertThat(client).contains("4 req").contains("0 errors").contains("captured ").contains("req/s")
                        .contains("in ").contains("out ");
                assertThat(clientRow(d).findElements(By.cssSelector("svg.spark"))).as("req/s, in and out")
                        .hasSize(3);
                assertThat(bytesAfter(client, " · in ")).as("the upload went through the connection")
                        .isGreaterThanOrEqualTo(upload.length);

                WebElement tcp = routeRow(d, "TCP");
                assertThat(tcp.getText()).contains("1 open channel(s)").contains("up ");
                assertThat(bytesAfter(tcp.getText(), " · in ")).as("the held request's bytes")
                        .isEqualTo(request.length());
                assertThat(tcp.findElements(By.cssSelector("svg.spark"))).as("in and out").hasSize(2);
                WebElement http = routeRow(d, "HTTP");
                assertThat(http.getText()).contains("4 req").contains("0 errors").contains("open channel(s)")
                        .contains("captured ").contains("req/s");
                assertThat(http.findElements(By.cssSelector("svg.spark"))).hasSize(3);

                // Traffic between two refreshes moves the rate and the sparkline.
                for (int i = 0; i < 10; i++) {
                    Curl.run(base + "/hello?more" + i);
                }
                await(d, "a non-zero request rate", () -> NONZERO_RATE.matcher(clientRow(d).getText()).find()
                        && NONZERO_RATE.matcher(routeRow(d, "HTTP").getText()).find());
                await(d, "sparklines with two points or more", () -> points(clientRow(d)) >= 2);
            }

            // The held connection closed: no channel stays counted.
            WebDriver d = driver;
            await(d, "channels back to zero", () -> routeRow(d, "TCP").getText().contains("0 open channel(s)")
                    && clientRow(d).getText().contains("0 open channel(s)"));
            ssh.close();
        } finally {
            if (driver != null) {
                driver.quit();
            }
        }
    }

    private static WebElement clientRow(WebDriver d) {
        List<WebElement> rows = d.findElements(By.cssSelector("#client-rows tr"));
        if (rows.size() != 1) { // a RuntimeException: await() tries again while the page loads
            throw new IllegalStateException(rows.size() + " client rows, not one");
        }
        return rows.get(0);
    }

    private static WebElement routeRow(WebDriver d, String type) {
        return d.findElements(By.cssSelector("#route-rows tr")).stream()
                .filter(r -> r.findElements(By.tagName("td")).get(1).getText().equals(type)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + type + " route"));
    }

    /** Points of the first sparkline in the row (its req/s or in line). */
    private static int points(WebElement row) {
        String pts = row.findElement(By.cssSelector("svg.spark polyline")).getAttribute("points");
        return pts == null || pts.isBlank() ? 0 : pts.trim().split("\\s+").length;
    }

    /** "… · in 12.3 KiB · …" → bytes (KiB and MiB read back to whole bytes, rounded down). */
    private static long bytesAfter(String text, String label) {
        Matcher m = Pattern.compile(Pattern.quote(label) + "([0-9.]+) (B|KiB|MiB|GiB)").matcher(text);
        assertThat(m.find()).as("'" + label + "' in: " + text).isTrue();
        double n = Double.parseDouble(m.group(1));
        return (long) switch (m.group(2)) {
            case "B" -> n;
            case "KiB" -> n * 1024;
            case "MiB" -> n * 1024 * 1024;
            default -> n * 1024 * 1024 * 1024;
        };
    }

    private static void readUntil(InputStream in, String end) throws Exception {
        StringBuilder got = new StringBuilder();
        int b;
        while (!got.toString().endsWith(end) && (b = in.read()) >= 0) {
            got.append((char) b);
        }
        assertThat(got.toString()).endsWith(end);
    }
}
