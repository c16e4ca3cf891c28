package io.tuns.server.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Whether the hops between cluster nodes use mutual TLS, from the three {@code --cluster-tls-*} flags and the
 * {@code --cluster-listen} host. A hop carries clients' bytes and the client address the owner's IP filters trust,
 * so a listener other machines can reach must authenticate its peers: without the flags only a loopback
 * {@code --cluster-listen} (every node on one machine: a trial, a test) runs in plain TCP, with a warning.
 */
public final class ClusterTlsPolicy {

    /** What the node does. */
    public enum Mode {
        /** mutual TLS from the cluster CA on every hop, both ways */
        MUTUAL_TLS,
        /** plain TCP on a loopback listener, with a start-up warning */
        PLAIN_LOOPBACK
    }

    /** The decision, or the flag at fault and what to say (then {@code mode} is null). */
    public record Decision(Mode mode, String flag, String problem) {
        static Decision of(Mode mode) {
            return new Decision(mode, null, null);
        }

        static Decision refuse(String flag, String problem) {
            return new Decision(null, flag, problem);
        }
    }

    public static final String PLAIN_WARNING = "--cluster-listen is a loopback address and no --cluster-tls-cert is"
            + " given: hops between nodes are plain TCP. Fine on one machine; across machines give the three"
            + " --cluster-tls-* flags (README \"Run several nodes\").";

    private ClusterTlsPolicy() {
    }

    /** @param cert {@code --cluster-tls-cert}, {@code key} {@code --cluster-tls-key}, {@code ca} {@code --cluster-tls-ca} */
    public static Decision decide(String listenHost, String cert, String key, String ca) {
        boolean c = !cert.isBlank();
        boolean k = !key.isBlank();
        boolean a = !ca.isBlank();
        if (c && k && a) {
            return Decision.of(Mode.MUTUAL_TLS);
        }
        if (c || k || a) {
            String missing = !c ? "cluster-tls-cert" : !k ? "cluster-tls-key" : "cluster-tls-ca";
            return Decision.refuse(missing, "is needed with the other --cluster-tls-* flags (a node's certificate,"
                    + " its key and the cluster CA go together)");
        }
        if (isLoopback(listenHost)) {
            return Decision.of(Mode.PLAIN_LOOPBACK);
        }
        return Decision.refuse("cluster-tls-cert", "is needed when --cluster-listen is not a loopback address ("
                + listenHost + "): other nodes hand clients' bytes and addresses to it, so peers must prove they"
                + " are nodes; give --cluster-tls-cert, --cluster-tls-key and --cluster-tls-ca (README \"Run"
                + " several nodes\" shows how to make them)");
    }

    /** A literal loopback address or {@code localhost}; names are not resolved (no DNS during validation). */
    static boolean isLoopback(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!host.matches("[0-9.]+") && !host.contains(":")) {
            return false;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress(); // a literal: parsed, never looked up
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
