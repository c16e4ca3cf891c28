package io.tuns.server.config;

/** A listen address as written in sish flags: {@code host:port}, {@code :port} or {@code [v6]:port}. */
public record HostPort(String host, int port) {

    public static HostPort parse(String value, String flag) {
        return parseNamed(value, "--" + flag);
    }

    /** @param origin names where the value came from in the error, e.g. {@code TUNS_SSH_ADDRESS} */
    static HostPort parseNamed(String value, String origin) {
        String v = value.trim();
        int colon = v.lastIndexOf(':');
        if (colon < 0) {
            throw new ConfigException(origin + " must be host:port, got '" + value + "'");
        }
        String host = v.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new ConfigException(origin + ": IPv6 addresses need brackets, e.g. [::1]:2222, got '" + value + "'");
        }
        int port;
        try {
            port = Integer.parseInt(v.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigException(origin + " has a bad port in '" + value + "' (expected host:port)");
        }
        if (port < 0 || port > 65535) {
            throw new ConfigException(origin + " port must be 0..65535, got " + port);
        }
        return new HostPort(host.isEmpty() ? "0.0.0.0" : host, port);
    }
}
