package io.tuns.server.console;

/**
 * A bound HTTP tunnel as the console sees it.
 *
 * @param host         lower-case host name, the history key (e.g. {@code myapp.localhost})
 * @param publicUrl    what the ssh session printed, e.g. {@code http://myapp.localhost:8080}
 * @param consoleToken the tunnel's service-console token (crypto-random per tunnel, or --service-console-token)
 */
public record TunnelInfo(String host, String publicUrl, String consoleToken) {
}
