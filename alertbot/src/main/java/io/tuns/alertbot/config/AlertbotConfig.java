package io.tuns.alertbot.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;

/** The whole configuration, validated once at start and passed in; immutable. */
public record AlertbotConfig(Irc irc, Watch watch, Mail mail, Http http, Mentions mentions, Heartbeat heartbeat,
                             Path stateDir, ZoneId zone, Optional<OutgoingPing> outgoingPing, Peers peers) {

    public enum AuthMode { PASS, SASL, NONE }

    public enum MailSecurity { SMTPS, STARTTLS, PLAIN }

    /** Link to the bouncer. {@code maxPendingNotifications} bounds notifications awaiting the bouncer's PONG. */
    public record Irc(String host, int port, boolean tls, Optional<Path> trustCaFile, AuthMode auth, String user,
                      String clientId, String network, Optional<Secret> password, String nick, String channel,
                      boolean useNotice, Duration pingInterval, Duration readDeadline, Duration registrationTimeout,
                      Duration messageDelay, int maxLinesPerNotification, int maxLineLength,
                      int maxPendingNotifications, Optional<String> alertTemplate) {
        /** The login name understood by both ZNC and soju: {@code user@client/network}. */
        public String loginName() {
            StringBuilder sb = new StringBuilder(user);
            if (!clientId.isEmpty()) {
                sb.append('@').append(clientId);
            }
            if (!network.isEmpty()) {
                sb.append('/').append(network);
            }
            return sb.toString();
        }

        public String target() {
            return host + ":" + port;
        }
    }

    /** Alerting policy for the link; backoff is separate from alert timing. */
    public record Watch(Duration grace, int failureThreshold, Duration reminderInterval, Duration backoffInitial,
                        Duration backoffMax, Duration stableAfter) {}

    /**
     * {@code outboxMax} and {@code maxPerHour} bound the bulk class (relayed alerts, mentions) in the outbox and its
     * send rate; {@code incidentOutboxMax} and {@code incidentMaxPerHour} are the incident class's own (DOWN,
     * RECOVERED, SILENT), so bulk mail never delays them.
     */
    public record Mail(String host, int port, MailSecurity security, Optional<String> username,
                       Optional<Secret> password, String from, List<String> to, Duration timeout, int maxPerHour,
                       Duration retryInitial, Duration retryMax, int outboxMax, Optional<Path> trustCaFile,
                       int incidentMaxPerHour, int incidentOutboxMax) {}

    /** HTTP endpoints; {@code maxBodyBytes} bounds a webhook body. */
    public record Http(String listenHost, int port, Optional<Secret> token, int maxBodyBytes) {}

    public record Person(String nick, String email, boolean directMessages) {}

    /** {@code maxQueuedPerPerson} bounds each person's pending batch (oldest dropped, counted). */
    public record Mentions(List<Person> people, Duration batchInterval, Duration activeWindow,
                           int maxQueuedPerPerson) {}

    public record Heartbeat(boolean enabled, String alertname, Duration expectEvery) {}

    /** A GET to {@code url} (a secret: it names the check) every {@code every}; {@code timeout} per request. */
    public record OutgoingPing(Secret url, Duration every, Duration timeout) {}

    /** Peer bots whose {@code /healthz} this one GETs every {@code every}; DOWN mail after {@code grace}. */
    public record Peers(List<Peer> bots, Duration every, Duration grace, Duration timeout) {}

    public record Peer(String name, URI url) {}
}
