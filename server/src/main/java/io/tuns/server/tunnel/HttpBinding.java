package io.tuns.server.tunnel;

import java.util.Locale;

/**
 * An HTTP forward's bind address as sish reads it: {@code [user:pass@]name[/path]} (OpenSSH has already
 * unescaped {@code user\:pass}). The name part is what decides the host; the rest becomes tunnel options.
 */
public record HttpBinding(String name, String user, String password, String path) {

    public static HttpBinding parse(String bindAddress) {
        String s = bindAddress.trim();
        String user = null;
        String password = null;
        int at = s.lastIndexOf('@');
        if (at >= 0) {
            String creds = s.substring(0, at);
            s = s.substring(at + 1);
            int colon = creds.indexOf(':');
            user = colon < 0 ? creds : creds.substring(0, colon);
            password = colon < 0 ? "" : creds.substring(colon + 1);
        }
        String path = "";
        int slash = s.indexOf('/');
        if (slash >= 0) {
            path = s.substring(slash);
            s = s.substring(0, slash);
            while (path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
        }
        return new HttpBinding(s.toLowerCase(Locale.ROOT), user, password, path);
    }

    /** The bind address without credentials and path, for deciding what kind of forward this is. */
    public static String hostPart(String bindAddress) {
        HttpBinding b = parse(bindAddress);
        return b.name();
    }
}
