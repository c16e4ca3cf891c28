package io.tuns.alertbot.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import io.tuns.alertbot.config.AlertbotConfig;
import io.tuns.alertbot.config.Secret;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The outgoing heartbeat against a local HTTP sink standing in for healthchecks.io / Uptime Kuma. */
class OutgoingPingTest {
    static final String CHECK = "/ping/0b9e-secret-check-uuid";
    HttpServer sink;
    final List<String> received = new CopyOnWriteArrayList<>();
    final AtomicInteger status = new AtomicInteger(200);
    final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void startSink() throws Exception {
        sink = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        sink.createContext("/", ex -> {
            received.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " " + ex.getRequestHeaders().getFirst("User-Agent"));
            ex.sendResponseHeaders(status.get(), -1);
            ex.close();
        });
        sink.start();
        logs.start();
        ((Logger) LoggerFactory.getLogger(OutgoingPing.class)).addAppender(logs);
    }

    @AfterEach
    void stop() {
        ((Logger) LoggerFactory.getLogger(OutgoingPing.class)).detachAppender(logs);
        sink.stop(0);
    }

    OutgoingPing ping(String url) {
        return new OutgoingPing(new AlertbotConfig.OutgoingPing(new Secret(url), Duration.ofMinutes(5),
                Duration.ofSeconds(2)), Clock.systemUTC());
    }

    @Test
    void pingsTheUrlAndReportsFailuresOncePerChangeWithoutTheSecretUrl() throws Exception {
        String url = "http://127.0.0.1:" + sink.getAddress().getPort() + CHECK;
        OutgoingPing p = ping(url);
        p.ping().get(5, TimeUnit.SECONDS);
        assertThat(received).containsExactly("GET " + CHECK + " tuns-alertbot");
        assertThat(p.describe().get("lastOk")).isNotNull();
        assertThat(p.describe().get("lastError")).isNull();

        status.set(503);
        p.ping().get(5, TimeUnit.SECONDS);
        p.ping().get(5, TimeUnit.SECONDS);
        assertThat(received).hasSize(3);
        assertThat(p.describe().get("lastError")).isEqualTo("HTTP 503");
        assertThat(logs.list).filteredOn(e -> e.getFormattedMessage().contains("outgoing_ping_failed")).hasSize(1);

        status.set(200);
        p.ping().get(5, TimeUnit.SECONDS);
        assertThat(p.describe().get("lastError")).isNull();
        assertThat(logs.list).noneMatch(e -> e.getFormattedMessage().contains("secret-check-uuid"));
    }

    @Test
    void anUnreachableEndpointIsRecordedNotThrown() throws Exception {
        int port = sink.getAddress().getPort();
        sink.stop(0);
        OutgoingPing p = ping("http://127.0.0.1:" + port + CHECK);
        p.ping().get(5, TimeUnit.SECONDS);
        assertThat((String) p.describe().get("lastError")).contains("ConnectException");
        assertThat(logs.list).noneMatch(e -> e.getFormattedMessage().contains("secret-check-uuid"));
    }
}
