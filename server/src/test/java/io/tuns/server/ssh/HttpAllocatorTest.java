package io.tuns.server.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.tunnel.ChannelSink;
import io.tuns.server.tunnel.DnsOwnership;
import io.tuns.server.tunnel.ForwardOwnership;
import io.tuns.server.tunnel.HostPolicy;
import io.tuns.server.tunnel.NameAllocator;
import io.tuns.server.tunnel.PublicUrls;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelOwner;
import io.tuns.server.tunnel.TunnelRegistry;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The HTTP allocator against a real registry and naming rules: granted, random instead, refused. */
class HttpAllocatorTest {

    /** A key's connection as the allocator sees it: identity only (channels and messages are not used here). */
    record Owner(String keyFingerprint) implements TunnelOwner {
        @Override public String remoteAddress() { return "127.0.0.1:1"; }
        @Override public String user() { return "u"; }
        @Override public void openChannel(Tunnel t, InetSocketAddress o, ChannelSink s) { }
        @Override public void message(String line) { }
        @Override public void closeTunnel(Tunnel t, String why) { }
        @Override public void tunnelTakenOver(Tunnel t) { }
    }

    private final TunnelRegistry registry = new TunnelRegistry();

    private HttpAllocator allocator(boolean forceRequested) {
        HttpAllocator.Settings s = new HttpAllocator.Settings("localhost", false, false, forceRequested, false, true,
                true, true, true, false, true, "");
        return new HttpAllocator(s, registry, new ForwardOwnership(ForwardOwnership.Settings.strict("localhost")),
                new NameAllocator("localhost", false, 3, List.of("localhost")),
                new HostPolicy("localhost", false, List.of(), false, false, "-"), new DnsOwnership(""),
                () -> new PublicUrls(8080), (host, key) -> "tok3n");
    }

    private static ForwardRequest request(String bind, Owner owner) {
        return new ForwardRequest(bind, 80, owner, "u", owner.keyFingerprint(), SessionOptions.parse(null), 0);
    }

    @Test
    void aFreeNameIsGrantedWithSishsBannerAndTheConsoleToken() {
        Allocation a = allocator(false).allocate(request("app", new Owner("SHA256:a")), false, line -> { });
        assertThat(a.isGranted()).isTrue();
        assertThat(a.tunnel().host()).isEqualTo("app.localhost");
        assertThat(a.tunnel().consoleToken()).isEqualTo("tok3n");
        assertThat(a.banner()).containsExactly(
                "Starting SSH Forwarding service for http:80. Forwarded connections can be accessed via the following methods:",
                "Service console can be accessed here: http://app.localhost:8080/_sish/console?x-authorization=tok3n",
                "HTTP: http://app.localhost:8080");
    }

    @Test
    void aPathUnderAnotherKeysHostBecomesARandomNameAndSaysWhy() {
        allocator(false).allocate(request("app", new Owner("SHA256:a")), false, line -> { });
        List<String> notices = new ArrayList<>();
        Allocation b = allocator(false).allocate(request("app/admin", new Owner("SHA256:b")), false, notices::add);
        assertThat(b.isGranted()).isTrue();
        assertThat(b.tunnel().host()).isNotEqualTo("app.localhost").endsWith(".localhost");
        assertThat(b.tunnel().options().path()).isEqualTo("/admin");
        assertThat(notices).containsExactly("The subdomain app is unavailable. Assigning a random subdomain.",
                "(The subdomain app: the host app.localhost belongs to another key.)");
    }

    @Test
    void withForceRequestedSubdomainsItIsRefused() {
        allocator(true).allocate(request("app", new Owner("SHA256:a")), false, line -> { });
        Allocation b = allocator(true).allocate(request("x.app", new Owner("SHA256:b")), false, line -> { });
        assertThat(b.isGranted()).isFalse();
        assertThat(b.refusal()).isEqualTo("The subdomain x.app is unavailable: it is within app.localhost,"
                + " which belongs to another key.");
        assertThat(registry.all()).hasSize(1);
    }
}
