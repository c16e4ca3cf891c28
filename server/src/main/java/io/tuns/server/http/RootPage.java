package io.tuns.server.http;

import io.tuns.server.tunnel.PublicUrls;

/** What the bare domain says: how to open a tunnel here, with the real ssh port, and where the admin console is. */
final class RootPage {

    private RootPage() {
    }

    /** The page's sentence (escaped by {@link ErrorPages}); the admin token itself is never shown. */
    static String sentence(String domain, boolean adminConsole, PublicUrls urls) {
        String open = "This is a tuns tunnel server. Open a tunnel with: " + urls.sshCommand(domain);
        if (!adminConsole) {
            return open;
        }
        return open + " — Administrators: the admin console is at " + urls.adminConsole(domain);
    }
}
