package io.tuns.server.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** Makes test CAs, keys and certificates with the real openssl command line tool. */
public final class Openssl {

    public enum KeyFormat { PKCS8_RSA, PKCS1_RSA, SEC1_EC, PKCS8_EC }

    /** A CA: its key and self-signed certificate. */
    public record Ca(Path key, Path cert) {
    }

    private Openssl() {
    }

    public static Ca ca(Path dir, String name) throws IOException, InterruptedException {
        Path key = dir.resolve(name + "-ca.key");
        Path cert = dir.resolve(name + "-ca.pem");
        key(key, KeyFormat.PKCS8_EC);
        run("req", "-x509", "-new", "-key", key.toString(), "-out", cert.toString(), "-days", "30", "-subj",
                "/CN=" + name + " test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        return new Ca(key, cert);
    }

    public static void key(Path key, KeyFormat format) throws IOException, InterruptedException {
        switch (format) {
            case PKCS8_RSA -> run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key.toString());
            case PKCS1_RSA -> run("genrsa", "-traditional", "-out", key.toString(), "2048");
            case SEC1_EC -> run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key.toString());
            case PKCS8_EC -> run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
                    key.toString());
        }
    }

    /**
     * Writes {@code dir/name.key} and {@code dir/name.crt} (leaf then CA: a chain) for {@code hosts}, signed by
     * {@code ca}. DNS names become SANs; an IP literal becomes an IP SAN.
     */
    public static void leaf(Ca ca, Path dir, String name, KeyFormat format, String... hosts)
            throws IOException, InterruptedException {
        Path work = Files.createTempDirectory(dir.getParent() == null ? dir : dir.getParent(), "openssl");
        Path key = work.resolve("leaf.key");
        Path csr = work.resolve("leaf.csr");
        Path crt = work.resolve("leaf.crt");
        Path ext = work.resolve("leaf.ext");
        key(key, format);
        run("req", "-new", "-key", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + hosts[0]);
        String sans = Arrays.stream(hosts).map(h -> (h.matches("[0-9.]+") ? "IP:" : "DNS:") + h)
                .collect(Collectors.joining(","));
        Files.writeString(ext, "subjectAltName=" + sans + "\nextendedKeyUsage=serverAuth\n");
        run("x509", "-req", "-in", csr.toString(), "-CA", ca.cert.toString(), "-CAkey", ca.key.toString(),
                "-set_serial", "0x" + Long.toHexString(System.nanoTime()), "-days", "10", "-out", crt.toString(),
                "-extfile", ext.toString());
        String chain = Files.readString(crt) + Files.readString(ca.cert);
        // key first, as the ACME issuer does: the store loads a pair when its .crt appears
        Files.move(key, dir.resolve(name + ".key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path tmp = work.resolve("chain");
        Files.writeString(tmp, chain);
        Files.move(tmp, dir.resolve(name + ".crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * A cluster node's certificate ({@code dir/name.crt}, {@code dir/name.key}) signed by {@code ca}, for both ends
     * of a hop (server and client auth), as README "Run several nodes" makes it. No SAN: nodes do not check names.
     */
    public static void clusterNode(Ca ca, Path dir, String name) throws IOException, InterruptedException {
        Path key = dir.resolve(name + ".key");
        Path csr = dir.resolve(name + ".csr");
        Path ext = dir.resolve(name + ".ext");
        key(key, KeyFormat.PKCS8_EC);
        run("req", "-new", "-key", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + name);
        Files.writeString(ext, "extendedKeyUsage=serverAuth,clientAuth\n");
        run("x509", "-req", "-in", csr.toString(), "-CA", ca.cert.toString(), "-CAkey", ca.key.toString(),
                "-set_serial", "0x" + Long.toHexString(System.nanoTime()), "-days", "10", "-out",
                dir.resolve(name + ".crt").toString(), "-extfile", ext.toString());
    }

    static void run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
