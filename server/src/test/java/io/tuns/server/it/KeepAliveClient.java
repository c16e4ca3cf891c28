package io.tuns.server.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One browser-like keep-alive connection on a raw socket: sends exactly the bytes a test writes (any Host, any
 * smuggling variant) and reads one response at a time, framed by Content-Length or chunking.
 */
public final class KeepAliveClient implements AutoCloseable {

    /** One response: status, head as received (lower-cased names), body. */
    public record Response(int status, String head, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public boolean hasHeader(String name, String value) {
            return head.toLowerCase(Locale.ROOT).contains("\r\n" + name.toLowerCase(Locale.ROOT) + ": "
                    + value.toLowerCase(Locale.ROOT));
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public KeepAliveClient(int port, int readTimeoutMillis) throws IOException {
        this("127.0.0.1", port, readTimeoutMillis);
    }

    /** From another loopback source address (127.0.0.2, ...): a different client address to tuns. */
    public KeepAliveClient(String fromAddress, int port, int readTimeoutMillis) throws IOException {
        socket = new Socket(java.net.InetAddress.getLoopbackAddress(), port,
                java.net.InetAddress.getByName(fromAddress), 0);
        socket.setSoTimeout(readTimeoutMillis);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    public void send(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    public static String get(String host, String path, String... extraHeaderLines) {
        StringBuilder b = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
        for (String h : extraHeaderLines) {
            b.append(h).append("\r\n");
        }
        return b.append("\r\n").toString();
    }

    private String pendingHead;

    /** Reads only the next response's head (then {@link #readRestOfBody}). */
    public String readHeadOnly() throws IOException {
        pendingHead = readHead();
        return pendingHead;
    }

    /** The body of the response whose head {@link #readHeadOnly} returned. */
    public Response readRestOfBody() throws IOException {
        String head = pendingHead;
        pendingHead = null;
        return readBody(head);
    }

    /** Reads the next response; throws on EOF before a complete one or on the read timeout. */
    public Response read() throws IOException {
        return readBody(readHead());
    }

    private Response readBody(String head) throws IOException {
        int status = Integer.parseInt(head.substring(9, 12));
        String lower = head.toLowerCase(Locale.ROOT);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (lower.contains("\r\ntransfer-encoding: chunked")) {
            while (true) {
                int size = Integer.parseInt(readLine().split(";")[0].trim(), 16);
                if (size == 0) {
                    while (!readLine().isEmpty()) {
                        // trailers
                    }
                    break;
                }
                body.write(readExactly(size));
                readLine();
            }
        } else {
            int at = lower.indexOf("\r\ncontent-length: ");
            if (at >= 0) {
                int end = lower.indexOf("\r\n", at + 2);
                body.write(readExactly(Integer.parseInt(lower.substring(at + 18, end).trim())));
            } else if (status >= 200 && status != 204 && status != 304) {
                body.write(in.readAllBytes()); // delimited by the connection's end
            }
        }
        return new Response(status, head, body.toByteArray());
    }

    /** True when the server closed the connection (EOF) within the read timeout. */
    public boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private String readHead() throws IOException {
        StringBuilder b = new StringBuilder();
        String line;
        while (!(line = readLine()).isEmpty()) {
            b.append(line).append("\r\n");
        }
        return b.toString(); // status line first, every line ends with CRLF
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        throw new IOException("connection closed before the end of a line");
    }

    private byte[] readExactly(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) {
            throw new IOException("connection closed after " + b.length + " of " + n + " body bytes");
        }
        return b;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
