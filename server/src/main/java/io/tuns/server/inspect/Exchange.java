package io.tuns.server.inspect;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One captured request/response pair. Written by its recorder on one event loop, read by console threads: every
 * field a reader can see is volatile or immutable once set. Bytes held here are charged to the tunnel's account and
 * the global budget, and given back by {@link #free()}.
 */
public final class Exchange {

    private final long id;
    private final String tunnelHost;
    private final String clientIp;
    private final long startedAtEpochMillis;
    private final long startNanos;
    private final String method;
    private final String uri;
    private final String protocol;
    private final BodyCapture requestBody;
    private final BodyCapture responseBody;
    private final ByteAccount account;

    private volatile List<HeaderField> requestHeaders = List.of();
    private volatile List<SecretHeader> requestSecrets = List.of();
    private volatile List<HeaderField> requestTrailers = List.of();
    private volatile List<HeaderField> responseHeaders = List.of();
    private volatile List<HeaderField> responseTrailers = List.of();
    private volatile boolean headersDropped;
    private volatile int status;
    private volatile String reasonPhrase = "";
    private volatile String responseProtocol = "";
    private volatile long requestEndNanos;
    private volatile long responseHeadNanos;
    private volatile long endNanos;
    private volatile ExchangeState state = ExchangeState.OPEN;
    private volatile String abortReason = "";
    private volatile long replayOf;
    private long chargedHeadBytes; // guarded by this
    private boolean freed;         // guarded by this

    Exchange(long id, String tunnelHost, String clientIp, long startedAtEpochMillis, long startNanos, String method,
             String uri, String protocol, BodyCapture requestBody, BodyCapture responseBody, ByteAccount account) {
        this.id = id;
        this.tunnelHost = tunnelHost;
        this.clientIp = clientIp;
        this.startedAtEpochMillis = startedAtEpochMillis;
        this.startNanos = startNanos;
        this.method = method;
        this.uri = uri;
        this.protocol = protocol;
        this.requestBody = requestBody;
        this.responseBody = responseBody;
        this.account = account;
    }

    /**
     * Keeps a header list if its bytes can be charged; otherwise keeps nothing and marks the heads as dropped. The
     * method, URI and status are kept regardless: they are bounded by the decoder limits and the history count.
     */
    boolean chargeAndKeep(List<HeaderField> headers, Consumer<List<HeaderField>> keeper) {
        long bytes = HeaderRedactor.chargeFor(headers);
        if (bytes == 0) {
            return true;
        }
        if (account == null || !account.tryCharge(bytes)) {
            headersDropped = true;
            return false;
        }
        synchronized (this) {
            if (!freed) {
                chargedHeadBytes += bytes;
                keeper.accept(headers);
                return true;
            }
        }
        account.release(bytes); // evicted meanwhile
        return false;
    }

    /**
     * Keeps the request head (redacted) and its secret values together, charged as one: either both are kept or
     * neither, so a replay never sends a head that silently lost its credentials.
     */
    boolean chargeAndKeepRequestHead(HeaderRedactor.Split head) {
        long bytes = HeaderRedactor.chargeFor(head.shown()) + HeaderRedactor.chargeForSecrets(head.secrets());
        if (bytes == 0) {
            return true;
        }
        if (account == null || !account.tryCharge(bytes)) {
            headersDropped = true;
            return false;
        }
        synchronized (this) {
            if (!freed) {
                chargedHeadBytes += bytes;
                requestHeaders = head.shown();
                requestSecrets = head.secrets();
                return true;
            }
        }
        account.release(bytes); // evicted meanwhile
        return false;
    }

    /** Gives back every byte this exchange holds. Idempotent. */
    void free() {
        long heads;
        synchronized (this) {
            if (freed) {
                return;
            }
            freed = true;
            heads = chargedHeadBytes;
            chargedHeadBytes = 0;
            requestHeaders = List.of();
            requestSecrets = List.of();
            requestTrailers = List.of();
            responseHeaders = List.of();
            responseTrailers = List.of();
        }
        if (heads > 0) {
            account.release(heads);
        }
        requestBody.free();
        responseBody.free();
    }

    /** Bytes currently charged for this exchange. */
    public long chargedBytes() {
        long heads;
        synchronized (this) {
            heads = chargedHeadBytes;
        }
        return heads + requestBody.chargedBytes() + responseBody.chargedBytes();
    }

    void requestHeaders(List<HeaderField> h) { this.requestHeaders = h; }
    void requestTrailers(List<HeaderField> h) { this.requestTrailers = h; }
    void responseHeaders(List<HeaderField> h) { this.responseHeaders = h; }
    void responseTrailers(List<HeaderField> h) { this.responseTrailers = h; }
    void status(int status, String reasonPhrase, String responseProtocol) {
        this.reasonPhrase = reasonPhrase;
        this.responseProtocol = responseProtocol;
        this.status = status;
    }
    void requestEndNanos(long n) { this.requestEndNanos = n; }
    void replayOf(long originalId) { this.replayOf = originalId; }
    void responseHeadNanos(long n) { this.responseHeadNanos = n; }
    void end(ExchangeState finalState, long nanos, String reason) {
        this.endNanos = nanos;
        this.abortReason = reason == null ? "" : reason;
        this.state = finalState;
    }

    public long id() { return id; }
    public String tunnelHost() { return tunnelHost; }
    public String clientIp() { return clientIp; }
    public long startedAtEpochMillis() { return startedAtEpochMillis; }
    public long startNanos() { return startNanos; }
    public String method() { return method; }
    public String uri() { return uri; }
    public String protocol() { return protocol; }
    public BodyCapture requestBody() { return requestBody; }
    public BodyCapture responseBody() { return responseBody; }
    public List<HeaderField> requestHeaders() { return requestHeaders; }
    public List<HeaderField> requestTrailers() { return requestTrailers; }

    /**
     * The request head exactly as the client sent it, secrets included: for replay only. Whatever reaches a browser,
     * a file or a log must use {@link #requestHeaders()} instead.
     */
    public List<HeaderField> originalRequestHeadersForReplay() {
        List<HeaderField> shown;
        List<SecretHeader> secrets;
        synchronized (this) {
            shown = requestHeaders;
            secrets = requestSecrets;
        }
        if (secrets.isEmpty()) {
            return shown;
        }
        List<HeaderField> out = new ArrayList<>(shown);
        for (SecretHeader s : secrets) {
            if (s.index() < out.size() && out.get(s.index()).name().equals(s.name())) {
                out.set(s.index(), new HeaderField(s.name(), s.value()));
            }
        }
        return List.copyOf(out);
    }

    /** Kept secret values of this name, in the order the client sent them: for replay only. */
    public List<String> secretValuesForReplay(String headerName) {
        List<String> out = new ArrayList<>();
        for (SecretHeader s : requestSecrets) {
            if (s.name().equalsIgnoreCase(headerName)) {
                out.add(s.value());
            }
        }
        return out;
    }
    public List<HeaderField> responseHeaders() { return responseHeaders; }
    public List<HeaderField> responseTrailers() { return responseTrailers; }
    /** True when a header list could not be kept because the budget was empty. */
    public boolean headersDropped() { return headersDropped; }
    /** 0 until the response head arrives. */
    public int status() { return status; }
    public String reasonPhrase() { return reasonPhrase; }
    public String responseProtocol() { return responseProtocol; }
    public ExchangeState state() { return state; }
    public String abortReason() { return abortReason; }
    /** The id of the exchange this one replays (sent from the console), or 0. */
    public long replayOf() { return replayOf; }
    public boolean ended() { return state != ExchangeState.OPEN; }

    /** Nanos from the request head to the end of the request body, or -1 if it has not ended. */
    public long requestNanos() { return since(requestEndNanos); }
    /** Nanos from the request head to the response head (time to first byte), or -1. */
    public long waitNanos() { return since(responseHeadNanos); }
    /** Nanos from the request head to the end, or -1 while open. */
    public long totalNanos() { return since(endNanos); }

    private long since(long nanos) {
        return nanos == 0 ? -1 : Math.max(0, nanos - startNanos);
    }

    /** First value of a captured header, case-insensitive, or null. */
    public static String header(List<HeaderField> headers, String name) {
        for (HeaderField h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                return h.value();
            }
        }
        return null;
    }
}
