package io.tuns.alertbot;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A scripted IRC server that speaks just enough CAP/SASL PLAIN. A fake on purpose: Debian's ZNC 1.8 has no client
 * SASL (it arrived in 1.10) and soju is not packaged, so no real server here can accept or reject SASL.
 */
final class FakeSaslServer implements AutoCloseable {
    private final ServerSocket server;
    private final String expected;
    final List<String> saslPayloads = new CopyOnWriteArrayList<>();
    final List<String> received = new CopyOnWriteArrayList<>();
    private final List<Socket> clients = new CopyOnWriteArrayList<>();
    /** When false, PINGs go unanswered: the bot's deliveries stay unconfirmed (a fault no real server shows). */
    volatile boolean answerPings = true;
    /** When true, reads everything and answers nothing (a hung server). */
    volatile boolean silent;
    /** When set, sends {@code ERROR :<text>} and closes right after the welcome. */
    volatile String errorAfterWelcome;

    FakeSaslServer(String account, String password) throws IOException {
        server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        expected = account + "\0" + account + "\0" + password;
        Thread t = new Thread(this::acceptLoop, "fake-sasl");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                clients.add(s);
                Thread t = new Thread(() -> serve(s), "fake-sasl-client");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            String nick = "bot";
            String line;
            while ((line = in.readLine()) != null) {
                received.add(line.startsWith("AUTHENTICATE ") && line.length() > 20 ? "AUTHENTICATE <redacted>" : line);
                if (silent) {
                    continue;
                }
                if (line.startsWith("NICK ")) {
                    nick = line.substring(5).trim();
                } else if (line.startsWith("CAP LS")) {
                    send(out, ":fake CAP * LS :sasl");
                } else if (line.startsWith("CAP REQ")) {
                    send(out, ":fake CAP * ACK :sasl");
                } else if (line.equals("AUTHENTICATE PLAIN")) {
                    send(out, "AUTHENTICATE +");
                } else if (line.startsWith("AUTHENTICATE ")) {
                    String decoded = new String(Base64.getDecoder().decode(line.substring(13).trim()), StandardCharsets.UTF_8);
                    saslPayloads.add(decoded);
                    if (decoded.equals(expected)) {
                        send(out, ":fake 900 " + nick + " " + nick + "!u@h acct :You are now logged in");
                        send(out, ":fake 903 " + nick + " :SASL authentication successful");
                    } else {
                        send(out, ":fake 904 " + nick + " :SASL authentication failed");
                        send(out, "ERROR :Closing link: SASL authentication failed");
                        return;
                    }
                } else if (line.startsWith("CAP END")) {
                    send(out, ":fake 001 " + nick + " :Welcome to the fake network " + nick);
                    send(out, ":fake 002 " + nick + " :Your host is fake, running version fake-1.0");
                    send(out, ":fake 003 " + nick + " :This server was created today");
                    send(out, ":fake 004 " + nick + " fake fake-1.0 iow ov");
                    send(out, ":fake 005 " + nick + " CHANTYPES=# PREFIX=(ov)@+ :are supported by this server");
                    send(out, ":fake 375 " + nick + " :- fake message of the day");
                    send(out, ":fake 376 " + nick + " :End of MOTD");
                    if (errorAfterWelcome != null) {
                        send(out, "ERROR :" + errorAfterWelcome);
                        return;
                    }
                } else if (line.startsWith("JOIN ")) {
                    send(out, ":" + nick + "!u@h JOIN " + line.substring(5).trim());
                } else if (line.startsWith("PING ") && answerPings) {
                    send(out, ":fake PONG fake " + line.substring(5));
                }
            }
        } catch (IOException ignored) {
            // client went away
        }
    }

    private static void send(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Drops every connection, as a bouncer crash would. */
    void dropClients() throws IOException {
        for (Socket s : clients) {
            s.close();
        }
    }

    @Override
    public void close() throws IOException {
        dropClients();
        server.close();
    }
}
