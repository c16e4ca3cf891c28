package io.tuns.alertbot;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.tuns.alertbot.config.ConfigLoader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole bot, configured as ops/examples/alertbot.yml suggests, pings a local HTTP sink (standing in for
 * healthchecks.io) every period while it runs, even with the bouncer unreachable, and stops when it stops.
 */
class OutgoingPingIT {
    @TempDir
    Path dir;

    @Test
    @Timeout(30)
    void theRunningBotPingsEveryPeriodAndStopsWhenItStops() throws Exception {
        List<Long> pings = new CopyOnWriteArrayList<>();
        HttpServer sink = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        sink.createContext("/ping/check-uuid", ex -> {
            pings.add(System.nanoTime());
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        sink.start();
        String yaml = MainTest.config(dir, "auth: none").replace("host: irc.example.org",
                "host: 127.0.0.1\n  port: " + IrcServers.freePort()) + String.join("\n",
                "http:", "  listen: 127.0.0.1:0",
                "outgoing-heartbeat:", "  url-env: PING_URL", "  every: 1s", "  timeout: 500ms", "");
        String url = "http://127.0.0.1:" + sink.getAddress().getPort() + "/ping/check-uuid";
        AlertBot bot = new AlertBot(new ConfigLoader(Map.of("PING_URL", url)::get).parse(yaml), Clock.systemUTC());
        try {
            bot.start();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (pings.size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(pings).hasSizeGreaterThanOrEqualTo(3);
            @SuppressWarnings("unchecked")
            Map<String, Object> out = (Map<String, Object>) bot.status().get("outgoingHeartbeat");
            assertThat(out.get("lastOk")).isNotNull();
            assertThat(bot.status().toString()).doesNotContain("check-uuid");
        } finally {
            bot.close();
            sink.stop(0);
        }
        int atStop = pings.size();
        Thread.sleep(2500);
        assertThat(pings).as("no ping once the bot stopped: the service elsewhere notices").hasSize(atStop);
    }
}
