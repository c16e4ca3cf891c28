package io.tuns.server.tunnel;

import java.security.SecureRandom;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides which subdomain a forward gets, following sish's policy (random names, requested names, bans,
 * lower-casing, {@code --force-requested-subdomains}). Pure decisions; claiming happens in the registry.
 */
public final class NameAllocator {

    private static final Pattern LABELS = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private final String domain;
    private final boolean bindRandomSubdomains;
    private final int randomLength;
    private final Set<String> bannedSubdomains;
    private final SecureRandom random = new SecureRandom();

    public NameAllocator(String domain, boolean bindRandomSubdomains, int randomLength, List<String> banned) {
        this.domain = domain.toLowerCase(Locale.ROOT);
        this.bindRandomSubdomains = bindRandomSubdomains;
        this.randomLength = randomLength;
        this.bannedSubdomains = Set.copyOf(banned.stream().map(s -> s.trim().toLowerCase(Locale.ROOT))
                .filter(s -> !s.isEmpty()).toList());
    }

    /**
     * The subdomain the client asked for, lower-cased, or null when it asked for none ({@code -R 80:...} sends
     * "localhost", {@code -R :80:...} sends "").
     * <p>An IPv4 address is a name, as in sish ({@code proposedHost := fmt.Sprintf("%s%s.%s", addr, hostExtension,
     * domain)}): {@code -R 80:127.0.0.1:…} is granted {@code 127.0.0.1.<domain>}. An IPv6 address is not: sish would
     * grant {@code ::1.<domain>}, a host no browser can ask for (its colons read as a port), so tuns reports it
     * unavailable and gives a random name, the line sish writes for the names it cannot give.
     */
    public String requestedName(String bindAddress) {
        String name = bindAddress.trim().toLowerCase(Locale.ROOT);
        if (name.endsWith("." + domain)) {
            name = name.substring(0, name.length() - domain.length() - 1);
        }
        if (name.isEmpty() || name.equals("*") || name.equals("localhost") || name.contains(":")) {
            return null;
        }
        return name;
    }

    /** Why a requested name can never be given, or null if it can (when free). */
    public String refusalReason(String name) {
        if (bindRandomSubdomains) {
            return "random subdomains are enforced on this server";
        }
        if (!LABELS.matcher(name).matches()) {
            return "it is not a valid host name (use a-z, 0-9 and '-')";
        }
        if (bannedSubdomains.contains(name) || bannedSubdomains.contains(hostFor(name))) {
            return "it is reserved";
        }
        return null;
    }

    public String hostFor(String name) {
        return name + "." + domain;
    }

    /** A fresh random subdomain ({@code --bind-random-subdomains-length}); see {@link #randomName(int, int)}. */
    public String randomName(int attempt) {
        return randomName(randomLength, attempt);
    }

    /** A fresh random name of {@code length}; it grows after collisions so a crowded space still terminates. */
    public String randomName(int length, int attempt) {
        int len = length + attempt / 8;
        char[] c = new char[len];
        for (int i = 0; i < len; i++) {
            c[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return new String(c);
    }
}
