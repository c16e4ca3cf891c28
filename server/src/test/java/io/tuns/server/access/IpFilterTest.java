package io.tuns.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class IpFilterTest {

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void emptyListsAllowEveryone() throws Exception {
        IpFilter f = IpFilter.of(List.of(), List.of());
        assertThat(f.isOpen()).isTrue();
        assertThat(f.allows(ip("203.0.113.7"))).isTrue();
        assertThat(f.allows(ip("2001:db8::1"))).isTrue();
    }

    @Test
    void bannedCidrsRefuseOnlyTheirAddresses() throws Exception {
        IpFilter f = IpFilter.of(List.of("203.0.113.0/24", "10.1.2.3", "2001:db8::/32", "198.51.100.128/25"), List.of());
        assertThat(f.allows(ip("203.0.113.7"))).isFalse();
        assertThat(f.allows(ip("203.0.114.7"))).isTrue();
        assertThat(f.allows(ip("10.1.2.3"))).isFalse();
        assertThat(f.allows(ip("10.1.2.4"))).isTrue();
        assertThat(f.allows(ip("2001:db8:ffff::1"))).isFalse();
        assertThat(f.allows(ip("2001:db9::1"))).isTrue();
        assertThat(f.allows(ip("198.51.100.200"))).isFalse();
        assertThat(f.allows(ip("198.51.100.100"))).as("odd prefix length").isTrue();
    }

    @Test
    void anyWhitelistEntryBlocksEverythingElseAndABanStillWins() throws Exception {
        IpFilter f = IpFilter.of(List.of("127.0.0.2/32"), List.of("127.0.0.0/8", "::1"));
        assertThat(f.allows(ip("127.0.0.1"))).isTrue();
        assertThat(f.allows(ip("::1"))).isTrue();
        assertThat(f.allows(ip("127.0.0.2"))).as("banned and whitelisted").isFalse();
        assertThat(f.allows(ip("192.0.2.1"))).isFalse();
        assertThat(f.allows(ip("2001:db8::1"))).isFalse();
    }

    @Test
    void ipv4MappedIpv6IsCheckedAsIpv4() throws Exception {
        IpFilter f = IpFilter.of(List.of("192.0.2.0/24"), List.of());
        // a dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 192, 0, 2, 9};
        assertThat(f.allows(java.net.Inet6Address.getByAddress(null, mapped, -1))).isFalse();
        assertThat(f.allows(new InetSocketAddress(ip("192.0.2.9"), 1234))).isFalse();
        assertThat(IpFilter.of(List.of("::ffff:192.0.2.0/120"), List.of()).allows(ip("192.0.2.9"))).isFalse();
    }

    @Test
    void nonIpAddressesAreAllowedOnlyWhenNoListIsSet() {
        java.net.SocketAddress unix = new java.net.SocketAddress() {
        };
        assertThat(IpFilter.of(List.of(), List.of()).allows(unix)).isTrue();
        assertThat(IpFilter.of(List.of("10.0.0.0/8"), List.of()).allows(unix)).isFalse();
    }
}
