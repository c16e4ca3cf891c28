package io.tuns.server.tls;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where on-demand certificates come from. There is no flag for these (sish has none); the environment overrides
 * the defaults: {@code TUNS_ACME_DIRECTORY_URL} (default Let's Encrypt production) and {@code TUNS_ACME_TRUST_PEM},
 * a PEM file of extra CA certificates to trust for the ACME server's own TLS (a test CA such as pebble's).
 *
 * @param trustPem             null when only the JDK's trusted CAs are used
 * @param renewalCheckInterval how often issued certificates are checked for renewal (tests shorten it)
 */
public record AcmeSettings(URI directory, Path trustPem, java.time.Duration renewalCheckInterval) {

    public static final java.time.Duration RENEWAL_CHECK = java.time.Duration.ofHours(1);

    public AcmeSettings(URI directory, Path trustPem) {
        this(directory, trustPem, RENEWAL_CHECK);
    }

    public static final URI LETS_ENCRYPT = URI.create("https://acme-v02.api.letsencrypt.org/directory");
    public static final String DIRECTORY_ENV = "TUNS_ACME_DIRECTORY_URL";
    public static final String TRUST_ENV = "TUNS_ACME_TRUST_PEM";

    public static AcmeSettings fromEnvironment(Map<String, String> env) {
        String dir = env.getOrDefault(DIRECTORY_ENV, "").trim();
        String trust = env.getOrDefault(TRUST_ENV, "").trim();
        return new AcmeSettings(dir.isEmpty() ? LETS_ENCRYPT : URI.create(dir), trust.isEmpty() ? null : Path.of(trust));
    }
}
