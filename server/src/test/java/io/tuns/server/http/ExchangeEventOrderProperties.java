package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.tunnel.ChannelSink.OpenFailure;
import io.tuns.server.bridge.FakeSshChannel;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random orders of what a client, tuns and the ssh client can do to one public connection, on the real codec and
 * handler. Whatever the order, once the client is gone (and any channel still opening has opened), every channel
 * tuns asked for is closed and every client-address share is given back; nothing throws.
 */
class ExchangeEventOrderProperties {

    enum Event {
        GET, POST_HEAD, POST_REST, UPGRADE_GET, PIPELINED_PAIR, BAD_SMUGGLING,
        OPEN, REFUSE, TIMEOUT, LIMIT,
        OK, NO_LENGTH, CONTINUE, SWITCHING, HUGE_HEAD, GARBAGE,
        EOF, DROP, CLIENT_CLOSE
    }

    @Provide
    Arbitrary<List<Event>> events() {
        return Arbitraries.of(Event.class).list().ofMinSize(1).ofMaxSize(25);
    }

    @Property(tries = 400)
    void everyChannelIsClosedAndEveryShareReturned(@ForAll("events") List<Event> events) {
        ProxyHarness h = new ProxyHarness("--max-channels-per-connection=8", "--http-max-client-share=50");
        for (Event e : events) {
            apply(h, e);
        }
        h.clientCloses();
        for (FakeSshChannel c : h.channels) {
            if (!c.closed() && !c.opened()) {
                c.open(); // an open that completes after the client left must be closed at once
            }
        }
        h.settle();
        assertThat(h.openChannels()).as("channels still open after %s", events).isZero();
        assertThat(h.shares().entries()).as("shares still held after %s", events).isZero();
    }

    private static void apply(ProxyHarness h, Event e) {
        FakeSshChannel last = h.channels.isEmpty() ? null : h.lastChannel();
        boolean pending = last != null && !last.opened() && !last.closed();
        boolean live = last != null && last.opened() && !last.closed();
        switch (e) {
            case GET -> h.clientSends("GET /x HTTP/1.1\r\nHost: app.localhost\r\n\r\n");
            case POST_HEAD -> h.clientSends("POST /x HTTP/1.1\r\nHost: app.localhost\r\nContent-Length: 6\r\n\r\nabc");
            case POST_REST -> h.clientSends("def");
            case UPGRADE_GET -> h.clientSends("GET /ws HTTP/1.1\r\nHost: app.localhost\r\nConnection: Upgrade\r\n"
                    + "Upgrade: websocket\r\n\r\n");
            case PIPELINED_PAIR -> h.clientSends("GET /a HTTP/1.1\r\nHost: app.localhost\r\n\r\n"
                    + "GET /b HTTP/1.1\r\nHost: nobody.localhost\r\n\r\n");
            case BAD_SMUGGLING -> h.clientSends("GET / HTTP/1.1\r\nHost: app.localhost\r\nHost: b\r\n\r\n");
            case OPEN -> {
                if (pending) {
                    last.open();
                }
            }
            case REFUSE, TIMEOUT, LIMIT -> {
                if (pending) {
                    last.refuse(e == Event.REFUSE ? OpenFailure.REFUSED
                            : e == Event.TIMEOUT ? OpenFailure.TIMEOUT : OpenFailure.LIMIT);
                }
            }
            case OK, NO_LENGTH, CONTINUE, SWITCHING, HUGE_HEAD, GARBAGE -> {
                if (live) {
                    last.serviceSends(switch (e) {
                        case OK -> "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
                        case NO_LENGTH -> "HTTP/1.1 200 OK\r\n\r\nsome";
                        case CONTINUE -> "HTTP/1.1 100 Continue\r\n\r\n";
                        case SWITCHING -> "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                                + "Upgrade: websocket\r\nSec-WebSocket-Accept: x\r\n\r\nraw";
                        case HUGE_HEAD -> "HTTP/1.1 200 OK\r\nX-Huge: " + "h".repeat(70_000) + "\r\n\r\n";
                        default -> "NOT HTTP AT ALL\r\n\r\n";
                    });
                }
            }
            case EOF -> {
                if (live) {
                    last.serviceEof();
                }
            }
            case DROP -> {
                if (last != null && last.opened() && !last.closed()) {
                    last.dropped();
                }
            }
            case CLIENT_CLOSE -> h.clientCloses();
        }
    }
}
