package io.tuns.server.tunnel;

import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.directory.InitialDirContext;

/**
 * sish's {@code --verify-dns}: a key may bind a custom domain when {@code _sish.<domain>} has a TXT record equal to
 * its {@code SHA256:...} fingerprint. Lookups are synchronous (they run on the tunnel executor, never on a network
 * thread), time out after {@link #TIMEOUT_MILLIS}, and answers are cached for {@link #CACHE_MILLIS} in at most
 * {@link #MAX_CACHED} entries (sish looks up uncached, defect §9.10).
 */
public final class DnsOwnership {

    static final int TIMEOUT_MILLIS = 2000;
    static final long CACHE_MILLIS = 60_000;
    static final int MAX_CACHED = 1024;

    private record Answer(boolean owned, long at) {
    }

    private final String resolver;
    private final Map<String, Answer> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Answer> eldest) {
            return size() > MAX_CACHED;
        }
    };

    /** @param resolver {@code host:port} of the DNS server to ask, or "" for the system's */
    public DnsOwnership(String resolver) {
        this.resolver = resolver == null ? "" : resolver.trim();
    }

    public boolean owns(String domain, String fingerprint) {
        if (fingerprint == null || domain.isEmpty()) {
            return false;
        }
        String key = domain + "|" + fingerprint;
        long now = System.currentTimeMillis();
        synchronized (cache) {
            Answer a = cache.get(key);
            if (a != null && now - a.at < CACHE_MILLIS) {
                return a.owned;
            }
        }
        boolean owned = lookup("_sish." + domain, fingerprint);
        synchronized (cache) {
            cache.put(key, new Answer(owned, now));
        }
        return owned;
    }

    private boolean lookup(String name, String fingerprint) {
        Hashtable<String, String> env = new Hashtable<>();
        env.put("java.naming.factory.initial", "com.sun.jndi.dns.DnsContextFactory");
        env.put("java.naming.provider.url", resolver.isEmpty() ? "dns:" : "dns://" + resolver);
        env.put("com.sun.jndi.dns.timeout.initial", String.valueOf(TIMEOUT_MILLIS));
        env.put("com.sun.jndi.dns.timeout.retries", "1");
        try {
            InitialDirContext ctx = new InitialDirContext(env);
            try {
                Attributes attrs = ctx.getAttributes(name, new String[] {"TXT"});
                Attribute txt = attrs.get("TXT");
                if (txt == null) {
                    return false;
                }
                NamingEnumeration<?> values = txt.getAll();
                while (values.hasMore()) {
                    String v = String.valueOf(values.next()).trim();
                    if (v.startsWith("\"") && v.endsWith("\"") && v.length() >= 2) {
                        v = v.substring(1, v.length() - 1);
                    }
                    if (v.equals(fingerprint)) {
                        return true;
                    }
                }
                return false;
            } finally {
                ctx.close();
            }
        } catch (NamingException e) {
            return false; // no record, no answer, or no server: not proven
        }
    }
}
