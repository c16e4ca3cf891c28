package io.tuns.server.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Syntax check of an IP or CIDR given in an allow/deny list flag. */
final class Cidr {

    private Cidr() {
    }

    static void check(String flag, String value) {
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
                throw new ConfigException("--" + flag + ": '" + value + "' has a bad prefix length");
            }
        }
        if (!ip.matches("[0-9a-fA-F:.]+")) {
            throw new ConfigException("--" + flag + ": '" + value + "' is not an IP address or CIDR");
        }
        try {
            InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new ConfigException("--" + flag + ": '" + value + "' is not an IP address or CIDR");
        }
    }
}
