package io.tuns.alertbot.mail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persistent outbox: each mail is a JSON file written (atomically) before {@link #enqueue} returns, and deleted only
 * after the SMTP server accepted it, so neither an SMTP outage nor a restart loses one. One FIFO per
 * {@link MailClass}, each with its own bound and hourly budget; one worker thread sends, always the incident
 * class first, retrying with capped exponential backoff. A full class refuses new mail (the webhook then answers
 * 503 so Alertmanager retries); a full bulk class never blocks an incident mail. Mails the server rejects
 * permanently (invalid recipient) go to {@code dead/} instead of blocking the queue.
 */
public final class Outbox implements MailSink, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Outbox.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reports each send: result is "ok", "retry" or "dead". */
    public interface Listener {
        void onSend(OutboxMail mail, String result);

        void onSize(int size);
    }

    private final Path dir;
    private final Map<MailClass, MailBudget> budgets;
    private final Map<MailClass, ArrayDeque<Path>> queues = new EnumMap<>(MailClass.class);
    private final Sender sender;
    private final Clock clock;
    private final Duration retryInitial;
    private final Duration retryMax;
    private final Listener listener;
    private final AtomicLong seq = new AtomicLong();
    private Thread worker;
    private boolean rateLimitedLogged;
    private volatile boolean closed;

    /** The SMTP step, separate so the outbox can be exercised against a real server or an unreachable one. */
    public interface Sender {
        void send(OutboxMail mail) throws MessagingException;
    }

    public Outbox(Path dir, MailBudget incident, MailBudget bulk, Sender sender, Clock clock, Duration retryInitial,
                  Duration retryMax, Listener listener) {
        this.dir = dir;
        this.budgets = new EnumMap<>(Map.of(MailClass.INCIDENT, incident, MailClass.BULK, bulk));
        this.sender = sender;
        this.clock = clock;
        this.retryInitial = retryInitial;
        this.retryMax = retryMax;
        this.listener = listener;
        for (MailClass c : MailClass.values()) {
            queues.put(c, new ArrayDeque<>());
        }
        try {
            Files.createDirectories(dir.resolve("dead"));
            List<Path> existing = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
                ds.forEach(existing::add);
            }
            Collections.sort(existing);
            for (Path p : existing) {
                queues.get(classOf(p)).addLast(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("state-dir: cannot use outbox directory " + dir, e);
        }
        if (size() > 0) {
            log.info("event=outbox_loaded incident={} bulk={}", size(MailClass.INCIDENT), size(MailClass.BULK));
        }
        listener.onSize(size());
    }

    /** By file name; files written before mail classes existed have no prefix and are read once. */
    private static MailClass classOf(Path file) {
        String name = file.getFileName().toString();
        for (MailClass c : MailClass.values()) {
            if (name.startsWith(c.filePrefix())) {
                return c;
            }
        }
        try {
            return fromJson(Files.readString(file)).mailClass();
        } catch (IOException | RuntimeException e) {
            return MailClass.BULK; // unreadable: the worker moves it to dead/ when it gets there
        }
    }

    public void start() {
        worker = new Thread(this::run, "alertbot-outbox");
        worker.setDaemon(true);
        worker.start();
    }

    @Override
    public boolean enqueue(OutboxMail mail) {
        MailClass cls = mail.mailClass();
        synchronized (this) {
            ArrayDeque<Path> queue = queues.get(cls);
            int max = budgets.get(cls).maxQueued();
            if (queue.size() >= max) {
                log.error("event=outbox_full class={} max={} dropped_subject=\"{}\"", cls, max, mail.subject());
                return false;
            }
            String name = String.format("%s%013d-%06d.json", cls.filePrefix(), mail.createdAt().toEpochMilli(),
                    seq.incrementAndGet() % 1_000_000);
            Path file = dir.resolve(name);
            try {
                Path tmp = dir.resolve(name + ".tmp");
                Files.writeString(tmp, toJson(mail));
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                log.error("event=outbox_write_failed error={}", e.toString());
                return false;
            }
            queue.addLast(file);
            listener.onSize(size());
            notifyAll();
        }
        log.info("event=mail_queued kind={} class={} subject=\"{}\"", mail.kind(), cls, mail.subject());
        return true;
    }

    public synchronized int size() {
        int n = 0;
        for (ArrayDeque<Path> q : queues.values()) {
            n += q.size();
        }
        return n;
    }

    public synchronized int size(MailClass c) {
        return queues.get(c).size();
    }

    /** The head of the first class (incident before bulk) that has mail and budget left; null if none. */
    private Path sendable() {
        for (MailClass c : MailClass.values()) {
            ArrayDeque<Path> q = queues.get(c);
            if (!q.isEmpty() && budgets.get(c).limiter().waitTime().isZero()) {
                return q.peekFirst();
            }
        }
        return null;
    }

    /** How long until some waiting class has budget again; {@code Long.MAX_VALUE} if nothing waits. */
    private long millisUntilBudget() {
        long ms = Long.MAX_VALUE;
        for (MailClass c : MailClass.values()) {
            if (!queues.get(c).isEmpty()) {
                ms = Math.min(ms, Math.max(1, budgets.get(c).limiter().waitTime().toMillis()));
            }
        }
        return ms;
    }

    private void run() {
        Duration retry = retryInitial;
        while (!closed) {
            Path head;
            synchronized (this) {
                head = sendable();
                while (head == null && !closed) {
                    long ms = millisUntilBudget();
                    if (ms != Long.MAX_VALUE && !rateLimitedLogged) {
                        rateLimitedLogged = true;
                        log.warn("event=mail_rate_limited incident_pending={} bulk_pending={} next_in_s={}",
                                size(MailClass.INCIDENT), size(MailClass.BULK), ms / 1000);
                    }
                    try {
                        // Woken early by enqueue: an incident mail must not wait for the bulk budget.
                        wait(ms == Long.MAX_VALUE ? 0 : ms);
                    } catch (InterruptedException e) {
                        return;
                    }
                    head = sendable();
                }
                if (closed) {
                    return;
                }
                rateLimitedLogged = false;
            }
            MailClass cls = classOf(head);
            OutboxMail mail;
            try {
                mail = fromJson(Files.readString(head));
            } catch (IOException | RuntimeException e) {
                log.error("event=outbox_unreadable file={} error={}", head.getFileName(), e.toString());
                moveToDead(head, cls);
                continue;
            }
            try {
                sender.send(mail.asSentAt(clock.instant()));
                budgets.get(cls).limiter().recordSend();
                remove(head, cls);
                retry = retryInitial;
                listener.onSend(mail, "ok");
                log.info("event=mail_sent kind={} subject=\"{}\"", mail.kind(), mail.subject());
            } catch (SendFailedException e) {
                boolean permanent = e.getValidSentAddresses() == null && e.getInvalidAddresses() != null
                        && e.getInvalidAddresses().length > 0;
                if (permanent) {
                    log.error("event=mail_rejected subject=\"{}\" error=\"{}\"", mail.subject(), oneLine(e));
                    listener.onSend(mail, "dead");
                    moveToDead(head, cls);
                    continue;
                }
                retry = backoff(mail, e, retry);
                if (retry == null) {
                    return;
                }
            } catch (MessagingException | RuntimeException e) {
                retry = backoff(mail, e, retry);
                if (retry == null) {
                    return;
                }
            }
        }
    }

    private Duration backoff(OutboxMail mail, Exception e, Duration retry) {
        listener.onSend(mail, "retry");
        log.warn("event=mail_send_failed subject=\"{}\" error=\"{}\" retry_in_ms={}", mail.subject(), oneLine(e),
                retry.toMillis());
        if (!sleep(retry)) {
            return null;
        }
        Duration next = retry.multipliedBy(2);
        return next.compareTo(retryMax) > 0 ? retryMax : next;
    }

    private static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        Throwable c = e.getCause();
        if (c != null && c.getMessage() != null) {
            m = m + ": " + c.getMessage();
        }
        return m.replaceAll("[\\r\\n]+", " ");
    }

    private boolean sleep(Duration d) {
        synchronized (this) {
            long until = System.nanoTime() + d.toNanos();
            while (!closed) {
                long left = until - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                try {
                    wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    return false;
                }
            }
            return false;
        }
    }

    private synchronized void remove(Path head, MailClass cls) {
        queues.get(cls).remove(head);
        try {
            Files.deleteIfExists(head);
        } catch (IOException e) {
            log.error("event=outbox_delete_failed file={} error={}", head.getFileName(), e.toString());
        }
        listener.onSize(size());
    }

    private synchronized void moveToDead(Path head, MailClass cls) {
        queues.get(cls).remove(head);
        try {
            Files.move(head, dir.resolve("dead").resolve(head.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            log.error("event=outbox_move_failed file={} error={}", head.getFileName(), e.toString());
        }
        listener.onSize(size());
    }

    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            notifyAll();
        }
        if (worker != null) {
            worker.interrupt();
            try {
                // An SMTP exchange in progress ends within the configured timeouts.
                worker.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static String toJson(OutboxMail m) {
        ObjectNode n = JSON.createObjectNode();
        n.put("messageId", m.messageId());
        m.inReplyTo().ifPresent(v -> n.put("inReplyTo", v));
        ArrayNode to = n.putArray("to");
        m.to().forEach(to::add);
        n.put("subject", m.subject());
        n.put("body", m.body());
        n.put("createdAt", m.createdAt().toString());
        n.put("kind", m.kind());
        return n.toString();
    }

    static OutboxMail fromJson(String s) throws IOException {
        JsonNode n = JSON.readTree(s);
        List<String> to = new ArrayList<>();
        n.path("to").forEach(t -> to.add(t.asText()));
        return new OutboxMail(n.path("messageId").asText(),
                n.hasNonNull("inReplyTo") ? Optional.of(n.get("inReplyTo").asText()) : Optional.empty(),
                List.copyOf(to), n.path("subject").asText(), n.path("body").asText(),
                Instant.parse(n.path("createdAt").asText()), n.path("kind").asText());
    }
}
