package io.tuns.server.proxyproto;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * A PROXY protocol v1/v2 parser over a byte range (the SSH listener's MINA buffer; the Netty listeners use it only
 * to detect the signature and leave the decoding to Netty's {@code HAProxyMessageDecoder}).
 * See https://www.haproxy.org/download/2.8/doc/proxy-protocol.txt.
 */
public final class ProxyHeaderParser {

    /** "PROXY " */
    static final byte[] V1_SIGNATURE = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    /** \r\n\r\n\0\r\nQUIT\n */
    static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    /** v1 lines are at most 107 bytes with the CRLF. */
    static final int V1_MAX_LENGTH = 107;

    public enum Kind {
        /** The bytes so far could still be a header: read more. */
        NEED_MORE,
        /** The connection does not start with a PROXY signature. */
        ABSENT,
        /** A complete header of {@link Result#length()} bytes. */
        HEADER,
        /** A signature followed by garbage. */
        INVALID
    }

    /**
     * @param length bytes taken by the header (HEADER only)
     * @param source the client's address, {@code null} for LOCAL / UNKNOWN / non-IP headers (use the socket's)
     */
    public record Result(Kind kind, int length, InetSocketAddress source, String error) {
        static final Result NEED_MORE = new Result(Kind.NEED_MORE, 0, null, null);
        static final Result ABSENT = new Result(Kind.ABSENT, 0, null, null);

        static Result invalid(String why) {
            return new Result(Kind.INVALID, 0, null, why);
        }
    }

    private ProxyHeaderParser() {
    }

    /** Which signature {@code a[off, off+len)} starts with: NEED_MORE, ABSENT, or HEADER with length 1 (v1) or 2 (v2). */
    public static Result signature(byte[] a, int off, int len) {
        boolean v1 = prefixMatches(a, off, len, V1_SIGNATURE);
        boolean v2 = prefixMatches(a, off, len, V2_SIGNATURE);
        if (v1 && len >= V1_SIGNATURE.length) {
            return new Result(Kind.HEADER, 1, null, null);
        }
        if (v2 && len >= V2_SIGNATURE.length) {
            return new Result(Kind.HEADER, 2, null, null);
        }
        return v1 || v2 ? Result.NEED_MORE : Result.ABSENT;
    }

    /** Parses a header at {@code a[off, off+len)}. */
    public static Result parse(byte[] a, int off, int len) {
        Result sig = signature(a, off, len);
        if (sig.kind() != Kind.HEADER) {
            return sig;
        }
        return sig.length() == 1 ? parseV1(a, off, len) : parseV2(a, off, len);
    }

    private static Result parseV1(byte[] a, int off, int len) {
        int end = -1;
        for (int i = 0; i + 1 < Math.min(len, V1_MAX_LENGTH); i++) {
            if (a[off + i] == '\r' && a[off + i + 1] == '\n') {
                end = i;
                break;
            }
        }
        if (end < 0) {
            return len >= V1_MAX_LENGTH ? Result.invalid("v1 header longer than 107 bytes") : Result.NEED_MORE;
        }
        String line = new String(a, off, end, StandardCharsets.US_ASCII);
        String[] f = line.split(" ", -1);
        if (f.length >= 2 && f[1].equals("UNKNOWN")) {
            return new Result(Kind.HEADER, end + 2, null, null);
        }
        if (f.length != 6 || !(f[1].equals("TCP4") || f[1].equals("TCP6"))) {
            return Result.invalid("malformed v1 header");
        }
        boolean v6 = f[1].equals("TCP6");
        InetAddress src = literal(f[2], v6);
        InetAddress dst = literal(f[3], v6);
        int sport = port(f[4]);
        int dport = port(f[5]);
        if (src == null || dst == null || sport < 0 || dport < 0) {
            return Result.invalid("malformed v1 address or port");
        }
        return new Result(Kind.HEADER, end + 2, new InetSocketAddress(src, sport), null);
    }

    private static Result parseV2(byte[] a, int off, int len) {
        if (len < 16) {
            return Result.NEED_MORE;
        }
        int verCmd = a[off + 12] & 0xFF;
        int fam = a[off + 13] & 0xFF;
        int bodyLen = ((a[off + 14] & 0xFF) << 8) | (a[off + 15] & 0xFF);
        if ((verCmd >> 4) != 2) {
            return Result.invalid("v2 header with version " + (verCmd >> 4));
        }
        int cmd = verCmd & 0x0F;
        if (cmd > 1) {
            return Result.invalid("v2 header with command " + cmd);
        }
        if (len < 16 + bodyLen) {
            return Result.NEED_MORE;
        }
        int total = 16 + bodyLen;
        if (cmd == 0) { // LOCAL: a health check by the proxy itself, the socket's peer is the client
            return new Result(Kind.HEADER, total, null, null);
        }
        int af = fam >> 4;
        int p = off + 16;
        if (af == 1) { // INET
            if (bodyLen < 12) {
                return Result.invalid("v2 IPv4 header too short");
            }
            InetAddress src = address(a, p, 4);
            int sport = ((a[p + 8] & 0xFF) << 8) | (a[p + 9] & 0xFF);
            return new Result(Kind.HEADER, total, new InetSocketAddress(src, sport), null);
        }
        if (af == 2) { // INET6
            if (bodyLen < 36) {
                return Result.invalid("v2 IPv6 header too short");
            }
            InetAddress src = address(a, p, 16);
            int sport = ((a[p + 32] & 0xFF) << 8) | (a[p + 33] & 0xFF);
            return new Result(Kind.HEADER, total, new InetSocketAddress(src, sport), null);
        }
        return new Result(Kind.HEADER, total, null, null); // UNSPEC or UNIX: keep the socket's peer
    }

    private static boolean prefixMatches(byte[] a, int off, int len, byte[] sig) {
        int n = Math.min(len, sig.length);
        for (int i = 0; i < n; i++) {
            if (a[off + i] != sig[i]) {
                return false;
            }
        }
        return true;
    }

    private static InetAddress address(byte[] a, int p, int n) {
        byte[] b = new byte[n];
        System.arraycopy(a, p, b, 0, n);
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // not reachable: the length is 4 or 16
        }
    }

    /** An IP literal only (never a DNS lookup); {@code null} when it is not one of the expected family. */
    private static InetAddress literal(String s, boolean v6) {
        if (s.isEmpty() || s.length() > 45) {
            return null;
        }
        if (!v6) {
            String[] parts = s.split("\\.", -1);
            if (parts.length != 4) {
                return null;
            }
            byte[] b = new byte[4];
            for (int i = 0; i < 4; i++) {
                if (parts[i].isEmpty() || parts[i].length() > 3 || !parts[i].chars().allMatch(Character::isDigit)) {
                    return null;
                }
                int v = Integer.parseInt(parts[i]);
                if (v > 255) {
                    return null;
                }
                b[i] = (byte) v;
            }
            return address(b, 0, 4);
        }
        if (!s.contains(":") || !s.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
            return null; // only hex, ':' and '.' : InetAddress.getByName then never resolves a name
        }
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static int port(String s) {
        if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        int v = Integer.parseInt(s);
        return v > 65535 ? -1 : v;
    }
}
