package io.tuns.server.http;

import java.util.Optional;

/**
 * What a cluster node's HTTPS listener does with a TLS connection, by its SNI name, before any byte is decrypted.
 * The path of a request is inside the TLS, so the entry node can route the whole connection only by what holds the
 * name itself; a name with only path routes ({@code -R app/api:80:…}) is terminated here and each request then
 * finds its route by host and path, hopping to its holder as on the plain listener. Pure: {@code TlsEntryTest}.
 */
final class TlsEntry {

    enum Kind {
        /** tuns' TLS here; requests for routes other nodes hold hop there one by one ({@code HTTP_TLS}) */
        TERMINATE,
        /** the still encrypted connection goes to the node that holds the name: it terminates or passes it on */
        SPLICE
    }

    private TlsEntry() {
    }

    /**
     * @param servedHere a local tunnel has a route for the name: an SNI passthrough, the bare host, a wildcard
     *                   above it, or a path under it (then the other paths, if elsewhere, hop per request)
     * @param nameHolder the node the store names for the name itself ({@code sni|}, {@code http|host}, wildcards;
     *                   never a path route), empty when none; not asked when {@code servedHere}
     * @param self       this node
     */
    static Kind choose(boolean servedHere, Optional<String> nameHolder, String self) {
        if (servedHere || nameHolder.isEmpty() || nameHolder.get().equals(self)) {
            return Kind.TERMINATE; // no holder for the name: path routes only, or nothing (then a 404 per request)
        }
        return Kind.SPLICE;
    }
}
