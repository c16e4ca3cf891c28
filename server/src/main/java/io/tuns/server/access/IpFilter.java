package io.tuns.server.access;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import io.tuns.server.config.ServerConfig;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code --banned-ips} and {@code --whitelisted-ips}: CIDR deny and allow lists for IPv4 and IPv6, and with
 * {@code --geodb} the same by country ({@code --banned-countries}, {@code --whitelisted-countries}). As in sish
 * (jpillora/ipfilter), any whitelist entry, IP or country, turns on block-by-default, and a banned address or
 * country is refused even when it is also whitelisted. An address the database has no country for matches no
 * country. IPv4-mapped IPv6 addresses ({@code ::ffff:1.2.3.4}) are checked as the IPv4 address they carry.
 */
public final class IpFilter {

    private final List<Subnet> banned;
    private final List<Subnet> whitelisted;
    private final Set<String> bannedCountries;
    private final Set<String> whitelistedCountries;
    private final CountryLookup countries;

    private IpFilter(List<Subnet> banned, List<Subnet> whitelisted, Set<String> bannedCountries,
                     Set<String> whitelistedCountries, CountryLookup countries) {
        this.banned = banned;
        this.whitelisted = whitelisted;
        this.bannedCountries = bannedCountries;
        this.whitelistedCountries = whitelistedCountries;
        this.countries = countries;
    }

    /** @param banned, whitelisted IPs or CIDRs, already syntax-checked by the config loader */
    public static IpFilter of(List<String> banned, List<String> whitelisted) {
        return new IpFilter(parse(banned), parse(whitelisted), Set.of(), Set.of(), null);
    }

    /**
     * The server's filter. {@code countries} is null unless {@code --geodb}; the config loader has made sure that
     * country lists come with a database.
     */
    public static IpFilter of(ServerConfig cfg, CountryLookup countries) {
        return new IpFilter(parse(cfg.bannedIps()), parse(cfg.whitelistedIps()),
                countries == null ? Set.of() : codes(cfg.bannedCountries()),
                countries == null ? Set.of() : codes(cfg.whitelistedCountries()), countries);
    }

    /** True when no list has an entry, so callers can skip the check entirely. */
    public boolean isOpen() {
        return banned.isEmpty() && whitelisted.isEmpty() && bannedCountries.isEmpty()
                && whitelistedCountries.isEmpty();
    }

    public boolean allows(InetAddress address) {
        byte[] ip = normalise(address);
        for (Subnet s : banned) {
            if (s.contains(ip)) {
                return false;
            }
        }
        String country = bannedCountries.isEmpty() && whitelistedCountries.isEmpty() ? null
                : countries.country(address).orElse(null);
        if (country != null && bannedCountries.contains(country)) {
            return false;
        }
        if (whitelisted.isEmpty() && whitelistedCountries.isEmpty()) {
            return true;
        }
        for (Subnet s : whitelisted) {
            if (s.contains(ip)) {
                return true;
            }
        }
        return country != null && whitelistedCountries.contains(country);
    }

    /** Anything that is not an IP socket address (a Unix socket, an unresolved name) is allowed only when open. */
    public boolean allows(SocketAddress remote) {
        if (remote instanceof InetSocketAddress isa && isa.getAddress() != null) {
            return allows(isa.getAddress());
        }
        return isOpen();
    }

    /** The sentence a refused client is told (HTTP 403 body; the log line). */
    public static String refusal(String ip) {
        return "Your address " + ip + " is not allowed to use this server (its IP and country filters).";
    }

    private static Set<String> codes(List<String> entries) {
        return entries.stream().map(String::trim).filter(e -> !e.isEmpty()).map(e -> e.toUpperCase(Locale.ROOT))
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    private static List<Subnet> parse(List<String> entries) {
        return entries.stream().map(String::trim).filter(e -> !e.isEmpty()).map(Subnet::parse).toList();
    }

    private static byte[] normalise(InetAddress address) {
        byte[] b = address.getAddress();
        if (address instanceof Inet6Address && isIpv4Mapped(b)) {
            byte[] v4 = new byte[4];
            System.arraycopy(b, 12, v4, 0, 4);
            return v4;
        }
        return b;
    }

    private static boolean isIpv4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    /** One network: its address bytes and how many leading bits must match. */
    private record Subnet(byte[] network, int prefixBits) {

        static Subnet parse(String cidr) {
            int slash = cidr.indexOf('/');
            String ip = slash < 0 ? cidr : cidr.substring(0, slash);
            byte[] bytes;
            try {
                // literals only (the loader checked the syntax), so this never asks DNS
                bytes = normalise(InetAddress.getByName(ip));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("'" + cidr + "' is not an IP address or CIDR", e);
            }
            int bits = slash < 0 ? bytes.length * 8 : Integer.parseInt(cidr.substring(slash + 1));
            if (bytes.length == 4 && ip.contains(":") && slash >= 0) {
                bits = Math.max(0, bits - 96); // ::ffff:10.0.0.0/104 is 10.0.0.0/8
            }
            return new Subnet(bytes, bits);
        }

        boolean contains(byte[] ip) {
            if (ip.length != network.length) {
                return false;
            }
            int full = prefixBits / 8;
            for (int i = 0; i < full; i++) {
                if (ip[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefixBits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (ip[full] & mask) == (network[full] & mask);
        }
    }

    @Override
    public String toString() {
        return "IpFilter[banned=" + banned.size() + ", whitelisted=" + whitelisted.size() + ", bannedCountries="
                + bannedCountries + ", whitelistedCountries=" + whitelistedCountries + "]";
    }
}
