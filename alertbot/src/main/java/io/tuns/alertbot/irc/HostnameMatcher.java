package io.tuns.alertbot.irc;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Checks a server certificate against the host we dialled (RFC 6125): subjectAltName DNS names, a wildcard only as
 * the whole left-most label, IP addresses against IP SANs. No fallback to the CN (browsers dropped it too).
 */
public final class HostnameMatcher {
    private HostnameMatcher() {}

    /** Returns null when the certificate matches, else a sentence for the failure. */
    public static String mismatch(X509Certificate leaf, String host) {
        List<String> dns = new ArrayList<>();
        List<String> ips = new ArrayList<>();
        try {
            Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    int type = (Integer) san.get(0);
                    if (type == 2) {
                        dns.add(String.valueOf(san.get(1)));
                    } else if (type == 7) {
                        ips.add(String.valueOf(san.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return "certificate subjectAltName unreadable";
        }
        if (isIpLiteral(host)) {
            InetAddress want = literal(host);
            for (String ip : ips) {
                InetAddress got = literal(ip);
                if (want != null && want.equals(got)) {
                    return null;
                }
            }
        } else {
            String h = stripDot(host.toLowerCase(Locale.ROOT));
            for (String name : dns) {
                if (matchesDns(h, stripDot(name.toLowerCase(Locale.ROOT)))) {
                    return null;
                }
            }
        }
        List<String> all = new ArrayList<>(dns);
        all.addAll(ips);
        return "certificate is for " + (all.isEmpty() ? "no subjectAltName" : String.join(", ", all))
                + ", not " + host;
    }

    static boolean matchesDns(String host, String pattern) {
        if (!pattern.startsWith("*.")) {
            return host.equals(pattern);
        }
        int dot = host.indexOf('.');
        // "*.example.org" matches exactly one extra label, never the bare domain.
        return dot > 0 && host.substring(dot).equals(pattern.substring(1)) && pattern.indexOf('.', 2) > 0;
    }

    private static String stripDot(String s) {
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    static boolean isIpLiteral(String host) {
        return host.matches("\\d{1,3}(\\.\\d{1,3}){3}") || host.contains(":");
    }

    private static InetAddress literal(String s) {
        try {
            return isIpLiteral(s) ? InetAddress.getByName(s) : null;
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
