package io.tuns.alertbot.irc;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/** Maps what ended a connection attempt to a {@link Failure}. Pure, so it is unit-tested directly. */
public final class FailureClassifier {
    private FailureClassifier() {}

    /**
     * @param cause the exception that ended the connection, or null for a plain close
     * @param tlsFailure what our trust manager rejected, or null
     * @param serverError the text of an {@code ERROR} line the server sent, or null
     * @param authRejected the text of a 464/904 reply, or null
     * @param registered whether the server had accepted our registration (001)
     */
    public static Failure classify(Throwable cause, String tlsFailure, String serverError, String authRejected,
                                   boolean registered) {
        if (authRejected != null) {
            return new Failure(FailureReason.AUTH_REJECTED, authRejected, true);
        }
        if (tlsFailure != null) {
            return new Failure(FailureReason.TLS, tlsFailure, true);
        }
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof UnknownHostException) {
                return new Failure(FailureReason.DNS, "unknown host " + t.getMessage(), false);
            }
            if (t instanceof GeneralSecurityException) {
                // Our own trust store could not be loaded (trust-ca-file replaced by something unreadable since
                // --check-config): retrying will not heal it, so alert at once instead of "connection lost".
                return new Failure(FailureReason.TLS, "trust-ca-file unusable: " + message(t), true);
            }
            if (t instanceof SslHandshakeTimeoutException) {
                // TCP accepted (by the kernel) but the bouncer never answered the handshake: a hung process or
                // VM, not a certificate problem.
                return new Failure(FailureReason.TIMEOUT, "no answer to the TLS handshake (" + message(t) + ")", false);
            }
            if (t instanceof ConnectTimeoutException || t instanceof SocketTimeoutException
                    || t instanceof NoRouteToHostException) {
                return new Failure(FailureReason.TIMEOUT, message(t), false);
            }
            if (t instanceof ConnectException) {
                String m = message(t);
                return m.toLowerCase(Locale.ROOT).contains("refused")
                        ? new Failure(FailureReason.CONNECTION_REFUSED, m, false)
                        : new Failure(FailureReason.TIMEOUT, m, false);
            }
            if (t instanceof SSLException) {
                return new Failure(FailureReason.TLS, message(t), false);
            }
        }
        if (serverError != null) {
            boolean auth = looksLikeAuth(serverError);
            return new Failure(auth ? FailureReason.AUTH_REJECTED : FailureReason.SERVER_ERROR, serverError, auth);
        }
        String detail = cause == null ? "" : message(cause);
        return new Failure(FailureReason.CONNECTION_LOST,
                (registered ? "closed by the bouncer" : "closed before registration") + (detail.isEmpty() ? "" : ": " + detail),
                false);
    }

    static boolean looksLikeAuth(String text) {
        String t = text.toLowerCase(Locale.ROOT);
        return t.contains("password") || t.contains("authentication") || t.contains("not authorized");
    }

    private static String message(Throwable t) {
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
