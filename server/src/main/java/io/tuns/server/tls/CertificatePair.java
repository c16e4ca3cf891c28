package io.tuns.server.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLException;

/**
 * One loaded {@code name.crt}/{@code name.key} pair: the server context built from it and the host names its leaf
 * certificate covers (DNS SANs, or the CN when there are none), wildcards included as {@code *.example.com}.
 */
public record CertificatePair(String name, Set<String> hosts, long notAfterEpochSeconds, BigInteger serial,
                              SslContext context) {

    /** With {@code --https-h2=false}: the front end speaks HTTP/1.1 only, never advertise h2. */
    static final ApplicationProtocolConfig ALPN_HTTP1 = alpn(ApplicationProtocolNames.HTTP_1_1);
    /** h2 first (browsers take the server's order), HTTP/1.1 for everyone else. */
    static final ApplicationProtocolConfig ALPN_H2 = alpn(ApplicationProtocolNames.HTTP_2,
            ApplicationProtocolNames.HTTP_1_1);

    private static ApplicationProtocolConfig alpn(String... protocols) {
        return new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, protocols);
    }

    private static final int SAN_DNS = 2;

    /** Reads and checks a pair for HTTP/1.1; the message of the exception is what the operator sees. */
    public static CertificatePair load(String name, Path crt, Path key) throws IOException {
        return load(name, crt, key, false);
    }

    /** As {@link #load(String, Path, Path)}; {@code h2} offers HTTP/2 by ALPN as well. */
    public static CertificatePair load(String name, Path crt, Path key, boolean h2) throws IOException {
        List<X509Certificate> chain = chain(crt);
        PrivateKey privateKey = PemKeys.read(key);
        PemKeys.checkMatch(privateKey, chain.get(0));
        try {
            return of(name, chain.get(0), SslContextBuilder.forServer(privateKey, chain)
                    .applicationProtocolConfig(h2 ? ALPN_H2 : ALPN_HTTP1).build());
        } catch (SSLException | IllegalArgumentException e) {
            throw new IOException("cannot use " + key.getFileName() + " with " + crt.getFileName() + ": "
                    + rootMessage(e), e);
        }
    }

    /** A pair from in-memory key material (the self-signed fallback). */
    static CertificatePair of(String name, PrivateKey key, X509Certificate leaf, boolean h2) throws SSLException {
        return of(name, leaf, SslContextBuilder.forServer(key, leaf)
                .applicationProtocolConfig(h2 ? ALPN_H2 : ALPN_HTTP1).build());
    }

    private static CertificatePair of(String name, X509Certificate leaf, SslContext ctx) throws SSLException {
        Set<String> hosts = hostsOf(leaf);
        if (hosts.isEmpty()) {
            throw new SSLException("the certificate names no host (no DNS subject alternative name, no CN)");
        }
        return new CertificatePair(name, Set.copyOf(hosts), leaf.getNotAfter().toInstant().getEpochSecond(),
                leaf.getSerialNumber(), ctx);
    }

    private static List<X509Certificate> chain(Path crt) throws IOException {
        try (InputStream in = Files.newInputStream(crt)) {
            List<X509Certificate> chain = new ArrayList<>();
            for (java.security.cert.Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                chain.add((X509Certificate) c);
            }
            if (chain.isEmpty()) {
                throw new IOException(crt.getFileName() + " holds no PEM certificate");
            }
            return chain;
        } catch (GeneralSecurityException e) {
            throw new IOException(crt.getFileName() + " is not a PEM certificate chain: " + rootMessage(e), e);
        }
    }

    static Set<String> hostsOf(X509Certificate cert) {
        Set<String> hosts = new LinkedHashSet<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (san.size() >= 2 && Integer.valueOf(SAN_DNS).equals(san.get(0))) {
                        hosts.add(normalise(String.valueOf(san.get(1))));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // fall through to the CN, as clients did before SANs
        }
        if (hosts.isEmpty()) {
            commonName(cert).map(CertificatePair::normalise).ifPresent(hosts::add);
        }
        return hosts;
    }

    private static java.util.Optional<String> commonName(X509Certificate cert) {
        try {
            List<Rdn> rdns = new ArrayList<>(new LdapName(cert.getSubjectX500Principal().getName()).getRdns());
            for (Rdn rdn : rdns) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return java.util.Optional.of(String.valueOf(rdn.getValue()));
                }
            }
        } catch (InvalidNameException e) {
            // no usable subject
        }
        return java.util.Optional.empty();
    }

    static String normalise(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    /** True when this certificate is valid for {@code host} (exact, or one label under a wildcard). */
    public boolean covers(String host) {
        return covers(hosts, host);
    }

    static boolean covers(Set<String> hosts, String host) {
        String h = normalise(host);
        if (hosts.contains(h)) {
            return true;
        }
        int dot = h.indexOf('.');
        return dot > 0 && hosts.contains("*" + h.substring(dot));
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
