package io.tuns.server.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Syntax check of an IP or CIDR given in an allow/deny list flag. */
final class Cidr {

    private Cidr() {
    }

    static void check(String origin, String value) {
        String ip = value;
        int slash = value.indexOf('/');
        if (slash >= 0) {
            ip = value.substring(0, slash);
            try {
                int bits = Integer.parseInt(value.substring(slash + 1));
                if (bits < 0 || bits > (ip.contains(":") ? 128 : 32)) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new ConfigException(origin + ": '" + value + "' has a bad prefix length (expected an IP or CIDR)");
            }
        }
        if (!(ip.contains(":") ? isIpv6Literal(ip) : isIpv4Literal(ip))) {
            throw new ConfigException(origin + ": '" + value + "' is not an IP address or CIDR (example: 10.0.0.0/8)");
        }
    }

    private static boolean isIpv4Literal(String ip) {
        if (!ip.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            return false;
        }
        for (String octet : ip.split("\\.")) {
            if (Integer.parseInt(octet) > 255) {
                return false;
            }
        }
        return true;
    }

    /** With a colon in it, InetAddress parses a literal and never asks DNS. */
    private static boolean isIpv6Literal(String ip) {
        if (!ip.matches("[0-9a-fA-F:.]+")) {
            return false;
        }
        try {
            InetAddress.getByName(ip);
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
