package io.tuns.alertbot;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** A person on the IRC network (straight to ngircd, not via ZNC) who watches the channel. */
final class RawIrcClient implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    final List<String> lines = new CopyOnWriteArrayList<>();

    RawIrcClient(int port, String nick, String channel) throws IOException {
        socket = new Socket("127.0.0.1", port);
        out = socket.getOutputStream();
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        Thread reader = new Thread(() -> {
            try {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                    if (line.startsWith("PING")) {
                        send("PONG" + line.substring(4));
                    }
                }
            } catch (IOException ignored) {
                // closed
            }
        }, "raw-irc-" + nick);
        reader.setDaemon(true);
        reader.start();
        send("NICK " + nick);
        send("USER " + nick + " 0 * :test watcher");
        await(l -> l.contains(" 001 "), Duration.ofSeconds(10));
        send("JOIN " + channel);
        await(l -> l.contains(" 366 "), Duration.ofSeconds(10));
    }

    synchronized void send(String line) {
        try {
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    String await(Predicate<String> p, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (String l : lines) {
                if (p.test(l)) {
                    return l;
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new AssertionError("no matching IRC line within " + timeout + "; saw: " + lines);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
