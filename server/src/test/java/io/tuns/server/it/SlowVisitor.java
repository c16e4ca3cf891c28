package io.tuns.server.it;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;

/**
 * A visitor that stops reading for a while after the response head, through a small socket receive buffer: the
 * bytes it has not read yet wait in the server's memory (a full SSH window per connection), not in the kernel's
 * buffers. Then it reads the rest. Returns "exact" (200, the expected SHA-256 and length), "refused" (503 whose
 * page names the memory budget) or "broken: …".
 */
final class SlowVisitor {

    static final int RECEIVE_BUFFER = 16 * 1024;
    static final int READ_BYTES = 16 * 1024;
    /** Long enough for the ssh client to fill every window while nobody reads. */
    static final long STALL_MILLIS = 20_000;

    private SlowVisitor() {
    }

    static String get(int port, String host, String path, String expectedSha256) {
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(RECEIVE_BUFFER); // before connect: it sets the TCP window offered
            s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            s.setSoTimeout(120_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = new BufferedInputStream(s.getInputStream(), READ_BYTES);
            String status = line(in);
            long length = -1;
            for (String h = line(in); !h.isEmpty(); h = line(in)) {
                if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Long.parseLong(h.substring(15).trim());
                }
            }
            if (status.contains(" 503 ")) {
                String page = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                return page.contains("short of memory") && page.contains("--memory-budget") ? "refused"
                        : "broken: 503 without the reason: " + page;
            }
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[READ_BYTES];
            long got = 0;
            int n;
            boolean stalled = false;
            while ((n = in.read(buf)) > 0) {
                d.update(buf, 0, n);
                got += n;
                if (!stalled) {
                    stalled = true;
                    Thread.sleep(STALL_MILLIS);
                }
            }
            String sha = HexFormat.of().formatHex(d.digest());
            return status.contains(" 200 ") && got == length && sha.equals(expectedSha256) ? "exact"
                    : "broken: " + status + " " + got + " of " + length + " bytes";
        } catch (Exception e) {
            return "broken: " + e;
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                b.write(c);
            }
        }
        if (c < 0 && b.size() == 0) {
            throw new IOException("connection closed before the response head");
        }
        return b.toString(StandardCharsets.US_ASCII);
    }
}
