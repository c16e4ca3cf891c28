package io.tuns.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tuns.server.tunnel.ChannelSink;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelOptions;
import io.tuns.server.tunnel.TunnelOwner;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue #15: {@code /_sish/api/clients} against a golden file written from sish's own structs (utils/console.go
 * HandleClients): {@code routeListeners.httpListeners} maps {@code userPass + Hostname() + Path} to a list of listener
 * names, {@code listeners} a TCP listen address (SNI: {@code address-name}) to one name, {@code tcpAliases}
 * {@code alias:port} to one name. Two path tunnels on one host stay two entries. tuns adds {@code consoles}.
 */
class AdminApiGoldenTest {

    /** Identity only: the JSON reads no channel or message. */
    record Owner() implements TunnelOwner {
        @Override public String remoteAddress() { return "127.0.0.1:50000"; }
        @Override public String user() { return "alice"; }
        @Override public String keyFingerprint() { return "SHA256:abc"; }
        @Override public void openChannel(Tunnel t, InetSocketAddress o, ChannelSink s) { }
        @Override public void message(String line) { }
        @Override public void closeTunnel(Tunnel t, String why) { }
        @Override public void tunnelTakenOver(Tunnel t) { }
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void everyShapeAsSishReturnsIt() throws Exception {
        Owner o = new Owner();
        Instant at = Instant.EPOCH;
        List<Tunnel> tunnels = List.of(
                new Tunnel(Tunnel.TunnelType.HTTP, "app.localhost", "app", 80, o, "t", at),
                new Tunnel(Tunnel.TunnelType.HTTP, "app.localhost", "app/api", 80, o, "t", at,
                        new TunnelOptions("/api", null, null, null, true, false, 0)),
                new Tunnel(Tunnel.TunnelType.HTTP, "locked.localhost", "bob:s3cret@locked", 80, o, "t", at,
                        new TunnelOptions("", "bob", "s3cret", null, true, false, 0)),
                new Tunnel(Tunnel.TunnelType.TCP, "localhost:4000", "localhost", 4000, o, "", at),
                new Tunnel(Tunnel.TunnelType.ALIAS, "db:5432", "db", 5432, o, "", at),
                new Tunnel(Tunnel.TunnelType.SNI, "sni1.localhost", "sni1", 9000, o, "", at));
        FakeBackend backend = new FakeBackend();
        backend.clients.add(RouteListeners.client("127.0.0.1:50000", "alice", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3",
                "5e55", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample", "SHA256:abc", tunnels, "", at, ChannelFigures.NONE, t -> ChannelFigures.NONE));

        ObjectNode actual = new AdminApi(MAPPER, backend, host -> Optional.empty()).clients();
        // tuns' own additions that change with time or traffic are checked in ConsoleRoutesTest, not against sish
        actual.get("clients").forEach(c -> ((ObjectNode) c).remove(List.of("uptimeSeconds", "figures", "traffic", "channels")));

        try (InputStream golden = getClass().getResourceAsStream("/sish/clients-all-shapes.json")) {
            assertThat(actual).isEqualTo(MAPPER.readTree(golden));
        }
    }
}
