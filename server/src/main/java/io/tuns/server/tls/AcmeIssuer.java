package io.tuns.server.tls;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import io.tuns.server.tunnel.AcmeCoordination;
import io.tuns.server.tunnel.LocalAcmeCoordination;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Problem;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.util.KeyPairUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On-demand certificates ({@code --https-ondemand-certificate}): a handshake for an eligible name no certificate
 * covers asks for one here. Issuance (ACME HTTP-01, answered by the plain HTTP listener through
 * {@link ChallengeResponder}) runs on two worker threads, never on an event loop; each name is issued once at a
 * time, at most {@link #MAX_IN_FLIGHT} names at once, and a name is not retried for {@link #RETRY_AFTER}. The
 * result lands in the certificate directory as {@code name.crt}/{@code name.key}, where the store picks it up,
 * and is marked in {@code acme/issued/}. Marked certificates are renewed through the same path once less than
 * {@code --https-ondemand-certificate-renew-before} of their validity remains, while a tunnel still uses the name;
 * certificates put in the directory by hand are never touched.
 * <p>In a cluster ({@link AcmeCoordination} in the store), each challenge answer is also published for the other
 * nodes, since the CA may reach any of them, and a node orders only while it holds the host's lock; a node that
 * does not get it orders nothing and picks the holder's certificate up from the shared directory (the store's poll).
 */
public final class AcmeIssuer implements ChallengeResponder, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AcmeIssuer.class);

    /** Names being issued at once; more handshakes for new names are served the fallback and not queued. */
    static final int MAX_IN_FLIGHT = 8;
    static final int WORKER_THREADS = 2;
    /** The longest wait for one CA step (validation, order ready, certificate issued). */
    static final Duration STEP_TIMEOUT = Duration.ofSeconds(90);
    /** Quiet time per name after an attempt, so handshakes do not hammer the CA (Let's Encrypt rate limits). */
    static final Duration RETRY_AFTER = Duration.ofMinutes(10);
    /** Names remembered for {@link #RETRY_AFTER}; old entries are pruned past this. */
    static final int MAX_REMEMBERED = 4096;
    /** Names become file names: DNS characters only. */
    /** An answer outlives the CA's validation step; a lock, a whole order. Both free themselves if a node dies. */
    static final Duration ANSWER_TTL = STEP_TIMEOUT.plusSeconds(30);
    static final Duration LOCK_TTL = STEP_TIMEOUT.multipliedBy(4);
    /** The longest a worker waits for the coordination to answer one call. */
    static final Duration COORDINATION_WAIT = Duration.ofSeconds(5);
    private static final Pattern SAFE_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+");

    private final AcmeSettings settings;
    private final CertificateStore store;
    private final Predicate<String> eligible;
    private final String email;
    private final Clock clock;
    private final Duration renewBefore;
    private final ExecutorService workers;
    private final Semaphore slots = new Semaphore(MAX_IN_FLIGHT);
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Map<String, Instant> lastAttempt = new ConcurrentHashMap<>();
    /** token → key authorization while the CA validates. */
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final AcmeCoordination shared;
    /** This node in the per-host lock (a fresh value per process, so a restarted node never unlocks its past). */
    private final String holder;
    private Login login; // guarded by this; made on first issuance

    /**
     * @param eligible which names may get a certificate (live tunnel hosts and the root domain)
     * @param email    contact for the ACME account, blank for none
     */
    public AcmeIssuer(AcmeSettings settings, CertificateStore store, Predicate<String> eligible, String email,
                      Clock clock, Duration renewBefore) {
        this(settings, store, eligible, email, clock, renewBefore, new LocalAcmeCoordination(clock), "local");
    }

    /** @param shared answers and order locks shared with the other nodes; {@code node} names this one in them */
    public AcmeIssuer(AcmeSettings settings, CertificateStore store, Predicate<String> eligible, String email,
                      Clock clock, Duration renewBefore, AcmeCoordination shared, String node) {
        BouncyCastleJce.register(); // acme4j's KeyPairUtils asks for the "BC" provider by name
        this.shared = shared;
        this.holder = node + "/" + java.util.UUID.randomUUID();
        this.renewBefore = renewBefore;
        this.settings = settings;
        this.store = store;
        this.eligible = eligible;
        this.email = email;
        this.clock = clock;
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(WORKER_THREADS, WORKER_THREADS, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "tuns-acme-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /** Starts issuance for {@code host} unless it is ineligible, covered, in flight, cooling down or over the cap. */
    public void request(String host) {
        if (!SAFE_NAME.matcher(host).matches() || !eligible.test(host) || store.covers(host)) {
            return;
        }
        submit(host);
    }

    /** Checks the marked certificates every {@code every} on {@code scheduler} and renews the due ones. */
    public void scheduleRenewal(java.util.concurrent.ScheduledExecutorService scheduler, Duration every) {
        long ms = Math.max(1, every.toMillis());
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                renewDue();
            } catch (RuntimeException e) { // the check must never stop
                log.warn("event=acme_renewal_check_failed error=\"{}\"", CertificatePair.rootMessage(e));
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Starts renewal for each certificate this issuer obtained that expires within renewBefore. */
    void renewDue() {
        Path marks = issuedMarks();
        if (!Files.isDirectory(marks)) {
            return;
        }
        List<String> hosts;
        try (var listing = Files.list(marks)) {
            hosts = listing.map(p -> p.getFileName().toString()).filter(h -> SAFE_NAME.matcher(h).matches())
                    .limit(MAX_REMEMBERED).toList();
        } catch (IOException e) {
            log.warn("event=acme_renewal_check_failed error=\"{}\"", e.getMessage());
            return;
        }
        Instant due = clock.instant().plus(renewBefore);
        for (String host : hosts) {
            Optional<Instant> notAfter = notAfter(host);
            if (notAfter.isPresent() && notAfter.get().isBefore(due) && eligible.test(host)) {
                log.info("event=acme_renewal_due host={} not_after={}", host, notAfter.get());
                submit(host);
            }
        }
    }

    private Optional<Instant> notAfter(String host) {
        Path dir = store.directory();
        try {
            return Optional.of(Instant.ofEpochSecond(CertificatePair.load(host, dir.resolve(host + ".crt"),
                    dir.resolve(host + ".key")).notAfterEpochSeconds()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // removed or broken: the store reports it; nothing to renew
        }
    }

    private Path issuedMarks() {
        return store.directory().resolve("acme").resolve("issued");
    }

    private void submit(String host) {
        Instant last = lastAttempt.get(host);
        if (last != null && last.plus(RETRY_AFTER).isAfter(clock.instant())) {
            return;
        }
        if (!inFlight.add(host)) {
            return;
        }
        if (!slots.tryAcquire()) {
            inFlight.remove(host);
            log.warn("event=acme_busy host={} in_flight={} message=\"Too many certificates are being issued at once; "
                    + "{} gets one on a later connection.\"", host, MAX_IN_FLIGHT, host);
            return;
        }
        try {
            workers.execute(() -> issueAndRelease(host));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            inFlight.remove(host); // closing
            slots.release();
        }
    }

    private void issueAndRelease(String host) {
        long started = System.nanoTime();
        try {
            if (issueUnderLock(host)) {
                log.info("event=acme_issued host={} ms={}", host, (System.nanoTime() - started) / 1_000_000);
            }
        } catch (AcmeException | IOException | RuntimeException e) {
            log.warn("event=acme_failed host={} error=\"{}\" message=\"No certificate could be obtained for {}; the "
                    + "fallback certificate is served and issuance is retried after {} minutes.\"", host,
                    CertificatePair.rootMessage(e), host, RETRY_AFTER.toMinutes());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            remember(host);
            inFlight.remove(host);
            slots.release();
        }
    }

    private void remember(String host) {
        Instant now = clock.instant();
        lastAttempt.put(host, now);
        if (lastAttempt.size() > MAX_REMEMBERED) {
            lastAttempt.values().removeIf(t -> t.plus(RETRY_AFTER).isBefore(now));
        }
    }

    /** Orders for {@code host} only while holding its cluster-wide lock; false when another node has it. */
    private boolean issueUnderLock(String host) throws AcmeException, IOException, InterruptedException {
        if (!await(shared.tryLock(host, holder, LOCK_TTL), "lock " + host)) {
            log.info("event=acme_elsewhere host={} message=\"Another node is ordering the certificate for {}; it is "
                    + "picked up from the certificate directory.\"", host, host);
            return false;
        }
        try {
            store.refresh();
            if (validBeyondRenewal(host)) { // the node that held the lock before us got it
                return false;
            }
            issue(host);
            return true;
        } finally {
            try {
                await(shared.unlock(host, holder), "unlock " + host);
            } catch (AcmeException e) { // the lock's TTL frees it
                log.warn("event=acme_unlock_failed host={} error=\"{}\"", host, e.getMessage());
            }
        }
    }

    private boolean validBeyondRenewal(String host) {
        return notAfter(host).filter(t -> t.isAfter(clock.instant().plus(renewBefore))).isPresent();
    }

    /** Waits on a coordination call from a worker thread; a store that does not answer fails this attempt. */
    private static <T> T await(CompletionStage<T> call, String what) throws AcmeException, InterruptedException {
        try {
            return call.toCompletableFuture().get(COORDINATION_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new AcmeException("the cluster store did not answer (" + what + "): "
                    + CertificatePair.rootMessage(e));
        }
    }

    private void issue(String host) throws AcmeException, IOException, InterruptedException {
        Order order = login().newOrder().domain(host).create();
        List<String> ours = new ArrayList<>();
        try {
            for (Authorization auth : order.getAuthorizations()) {
                if (auth.getStatus() == Status.VALID) {
                    continue; // the CA reused an earlier validation
                }
                Http01Challenge ch = auth.findChallenge(Http01Challenge.class)
                        .orElseThrow(() -> new AcmeException("the CA offers no http-01 challenge for " + host));
                tokens.put(ch.getToken(), ch.getAuthorization());
                ours.add(ch.getToken());
                await(shared.publish(ch.getToken(), ch.getAuthorization(), ANSWER_TTL), "publish challenge answer");
                ch.trigger();
                if (auth.waitForCompletion(STEP_TIMEOUT) != Status.VALID) {
                    throw new AcmeException("the CA could not validate " + host + " over HTTP: "
                            + ch.getError().map(Problem::toString).orElse("no reason given"));
                }
            }
        } finally {
            ours.forEach(tokens::remove);
        }
        order.waitUntilReady(STEP_TIMEOUT);
        KeyPair domainKey = KeyPairUtils.createECKeyPair("secp256r1");
        order.execute(domainKey);
        if (order.waitForCompletion(STEP_TIMEOUT) != Status.VALID) {
            throw new AcmeException("the CA did not issue a certificate for " + host + ": "
                    + order.getError().map(Problem::toString).orElse("no reason given"));
        }
        StringWriter chain = new StringWriter();
        order.getCertificate().writeCertificate(chain);
        Path dir = store.directory();
        // key first: the store loads a pair when its .crt appears
        PemFiles.writeAtomically(dir.resolve(host + ".key"), PemFiles.pkcs8(domainKey.getPrivate()));
        PemFiles.writeAtomically(dir.resolve(host + ".crt"), chain.toString());
        Files.createDirectories(issuedMarks());
        PemFiles.writeAtomically(issuedMarks().resolve(host), ""); // ours to renew
        store.refresh();
    }

    private synchronized Login login() throws AcmeException, IOException {
        if (login == null) {
            AccountBuilder b = new AccountBuilder().agreeToTermsOfService().useKeyPair(accountKey());
            if (email != null && !email.isBlank()) {
                b.addEmail(email);
            }
            login = b.createLogin(AcmeHttp.session(settings));
            log.info("event=acme_account directory={} account={}", settings.directory(), login.getAccountLocation());
        }
        return login;
    }

    /** The account key is kept in {@code <dir>/acme/account.pem} so restarts reuse the same ACME account. */
    private KeyPair accountKey() throws IOException {
        Path file = store.directory().resolve("acme").resolve("account.pem");
        if (Files.exists(file)) {
            try (Reader r = Files.newBufferedReader(file)) {
                return KeyPairUtils.readKeyPair(r);
            }
        }
        KeyPair kp = KeyPairUtils.createECKeyPair("secp256r1");
        StringWriter w = new StringWriter();
        KeyPairUtils.writeKeyPair(kp, w);
        PemFiles.writeAtomically(file, w.toString());
        return kp;
    }

    @Override
    public Optional<String> answer(String token) {
        return Optional.ofNullable(tokens.get(token));
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
