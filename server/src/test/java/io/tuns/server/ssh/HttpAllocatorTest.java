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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
        return allocator(forceRequested, false);
    }

    private HttpAllocator allocator(boolean forceRequested, boolean bindRandom) {
        return allocator(forceRequested, bindRandom, false);
    }

    private HttpAllocator allocator(boolean forceRequested, boolean bindRandom, boolean bindRootDomain) {
        HttpAllocator.Settings s = new HttpAllocator.Settings("localhost", bindRootDomain, bindRandom, forceRequested,
                false, true, true, true, true, false, true, "");
        return new HttpAllocator(s, registry, new ForwardOwnership(ForwardOwnership.Settings.strict("localhost")),
                new NameAllocator("localhost", bindRandom, 3, List.of("localhost")),
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
        // sish requests.go: "Starting SSH Forwarding service for %s. …", aurora.Sprintf(aurora.Green("%s:%s"), …);
        // httphandler.go: "Service console can be accessed here: %s/_sish/console?x-authorization=%s",
        // "%s: http://%s%s%s%s", aurora.BgBlue("HTTP"), …
        assertThat(a.banner()).containsExactly(
                "Starting SSH Forwarding service for \u001b[32mhttp:80\u001b[0m. Forwarded connections can be accessed via the following methods:",
                "Service console can be accessed here: http://app.localhost:8080/_sish/console?x-authorization=tok3n",
                "\u001b[44mHTTP\u001b[0m: http://app.localhost:8080");
    }

    @Test
    void aBasicAuthTunnelPrintsUserAndPasswordInEveryUrlAsSish() {
        // sish httphandler.go: userPass = fmt.Sprintf("%s:%s@", username, password), in the console and HTTP URLs
        Allocation a = allocator(false).allocate(request("bob:s3cret@locked", new Owner("SHA256:a")), false, line -> { });
        assertThat(a.banner()).containsExactly(
                "Starting SSH Forwarding service for \u001b[32mhttp:80\u001b[0m. Forwarded connections can be accessed via the following methods:",
                "Service console can be accessed here: http://bob:s3cret@locked.localhost:8080/_sish/console?x-authorization=tok3n",
                "\u001b[44mHTTP\u001b[0m: http://bob:s3cret@locked.localhost:8080");
    }

    @Test
    void underBindRandomSubdomainsTheRequestedNameIsReportedUnavailable() {
        // sish utils.go GetOpenHost: bind-random-subdomains → reportUnavailable(true)
        List<String> notices = new ArrayList<>();
        Allocation a = allocator(false, true).allocate(request("app", new Owner("SHA256:a")), false, notices::add);
        assertThat(a.isGranted()).isTrue();
        assertThat(notices).first().isEqualTo(
                "The subdomain \u001b[31mapp.localhost\u001b[0m is unavailable. Assigning a random subdomain.");
    }

    @Test
    void aPathUnderAnotherKeysHostBecomesARandomNameAndSaysWhy() {
        allocator(false).allocate(request("app", new Owner("SHA256:a")), false, line -> { });
        List<String> notices = new ArrayList<>();
        Allocation b = allocator(false).allocate(request("app/admin", new Owner("SHA256:b")), false, notices::add);
        assertThat(b.isGranted()).isTrue();
        assertThat(b.tunnel().host()).isNotEqualTo("app.localhost").endsWith(".localhost");
        assertThat(b.tunnel().options().path()).isEqualTo("/admin");
        // sish utils.go: aurora.Sprintf("The subdomain %s is unavailable.%s", aurora.Red(host), " Assigning a random subdomain.")
        assertThat(notices).containsExactly(
                "The subdomain \u001b[31mapp.localhost\u001b[0m is unavailable. Assigning a random subdomain.",
                "(The subdomain app.localhost: the host app.localhost belongs to another key.)");
    }

    @Test
    void withForceRequestedSubdomainsItIsRefused() {
        allocator(true).allocate(request("app", new Owner("SHA256:a")), false, line -> { });
        List<String> notices = new ArrayList<>();
        Allocation b = allocator(true).allocate(request("x.app", new Owner("SHA256:b")), false, notices::add);
        assertThat(b.isGranted()).isFalse();
        // sish with --force-requested-subdomains: extra = "", the line ends at "unavailable."
        assertThat(b.refusal()).isEqualTo("The subdomain \u001b[31mx.app.localhost\u001b[0m is unavailable.");
        // tuns' reason comes after sish's line, never before it
        assertThat(b.detail()).isEqualTo("(The subdomain x.app.localhost: it is within app.localhost,"
                + " which belongs to another key.)");
        assertThat(notices).isEmpty();
        assertThat(registry.all()).hasSize(1);
    }

    /**
     * sish utils.go GetOpenHost with --force-requested-subdomains: the banned {@code localhost.<domain>} (and
     * {@code .<domain>}, {@code *.<domain>}) is reported with {@code extra = ""} and {@code bindErr} set, GetOpenHost
     * returns nil, and httphandler.go refuses: {@code if (hostUrl == nil || …) && force-requested-subdomains
     * { return … fmt.Errorf("error assigning requested subdomain to tunnel") }}. No random name is given.
     */
    @ParameterizedTest(name = "bind address \"{0}\" -> refused as {1}")
    @CsvSource({
            "localhost, localhost.localhost",
            "'',        .localhost",
            "*,         *.localhost",
    })
    void anAddressThatNamesNoSubdomainIsRefusedUnderForceRequestedSubdomains(String bind, String sishHost) {
        List<String> notices = new ArrayList<>();
        Allocation a = allocator(true).allocate(request(bind, new Owner("SHA256:a")), false, notices::add);
        assertThat(a.isGranted()).isFalse();
        assertThat(a.refusal()).isEqualTo("The subdomain \u001b[31m" + sishHost + "\u001b[0m is unavailable.");
        assertThat(a.detail()).isNull();
        assertThat(notices).isEmpty();
        assertThat(registry.all()).isEmpty();
    }

    /**
     * sish utils.go GetOpenHost: {@code proposedHost := fmt.Sprintf("%s%s.%s", addr, hostExtension, domain)}, the
     * banned list holds {@code "." + domain} and {@code "localhost." + domain}, then
     * {@code aurora.Sprintf("The subdomain %s is unavailable.%s", aurora.Red(host), " Assigning a random subdomain.")}.
     * OpenSSH sends "localhost" for {@code -R 80:…} and "" for {@code -R :80:…}.
     */
    @ParameterizedTest(name = "bind address \"{0}\" -> {1}")
    @CsvSource({
            "localhost, localhost.localhost",
            "'',        .localhost",
            "*,         *.localhost",
    })
    void anAddressThatNamesNoSubdomainIsReportedUnavailableAsSish(String bind, String sishHost) {
        for (boolean bindRandom : new boolean[] {false, true}) {
            List<String> notices = new ArrayList<>();
            Allocation a = allocator(false, bindRandom).allocate(request(bind, new Owner("SHA256:a")), false,
                    notices::add);
            assertThat(a.isGranted()).isTrue();
            assertThat(notices).containsExactly("The subdomain \u001b[31m" + sishHost
                    + "\u001b[0m is unavailable. Assigning a random subdomain.");
        }
    }

    /**
     * sish utils.go GetOpenHost: {@code proposedHost := fmt.Sprintf("%s%s.%s", addr, hostExtension, domain)}: an IPv4
     * bind address is a subdomain like any other, {@code -R 80:127.0.0.1:…} is granted {@code 127.0.0.1.<domain>}
     * with no "unavailable" line, and another key asking for it gets sish's line naming that host.
     */
    @Test
    void anIpv4BindAddressIsGrantedAsASubdomainAsSish() {
        List<String> notices = new ArrayList<>();
        Allocation a = allocator(false).allocate(request("127.0.0.1", new Owner("SHA256:a")), false, notices::add);
        assertThat(a.isGranted()).isTrue();
        assertThat(a.tunnel().host()).isEqualTo("127.0.0.1.localhost");
        assertThat(notices).isEmpty();
        assertThat(a.banner()).contains("\u001b[44mHTTP\u001b[0m: http://127.0.0.1.localhost:8080");

        Allocation b = allocator(false).allocate(request("127.0.0.1", new Owner("SHA256:b")), false, notices::add);
        assertThat(b.tunnel().host()).isNotEqualTo("127.0.0.1.localhost");
        assertThat(notices).first().isEqualTo(
                "The subdomain \u001b[31m127.0.0.1.localhost\u001b[0m is unavailable. Assigning a random subdomain.");
    }

    /**
     * sish utils.go GetOpenHost with --bind-root-domain: {@code if bind-root-domain && proposedHost ==
     * fmt.Sprintf(".%s", domain) { proposedHost = domain }}, so {@code -R :80} (OpenSSH sends "") while another key
     * holds the root is reported as {@code The subdomain <domain> is unavailable.}, not {@code .<domain>}.
     */
    @Test
    void underBindRootDomainATakenRootIsNamedAsTheDomainAsSish() {
        Allocation first = allocator(false, false, true).allocate(request("", new Owner("SHA256:a")), false, l -> { });
        assertThat(first.tunnel().host()).isEqualTo("localhost");

        List<String> notices = new ArrayList<>();
        Allocation second = allocator(false, false, true).allocate(request("", new Owner("SHA256:b")), false,
                notices::add);
        assertThat(second.isGranted()).isTrue();
        assertThat(second.tunnel().host()).isNotEqualTo("localhost").endsWith(".localhost");
        assertThat(notices).containsExactly(
                "The subdomain \u001b[31mlocalhost\u001b[0m is unavailable. Assigning a random subdomain.");

        // --force-requested-subdomains: the same line without the suffix, and the forward is refused
        Allocation forced = allocator(true, false, true).allocate(request("", new Owner("SHA256:b")), false,
                notices::add);
        assertThat(forced.isGranted()).isFalse();
        assertThat(forced.refusal()).isEqualTo("The subdomain \u001b[31mlocalhost\u001b[0m is unavailable.");
    }
}
