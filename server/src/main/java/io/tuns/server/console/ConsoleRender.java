package io.tuns.server.console;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tuns.server.inspect.Inspector;
import io.tuns.server.memory.MemoryBudget;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renders bodies, HAR files and replay answers off the event loops: decompression is CPU work, and each job reserves
 * its worst case in the memory budget first. Bounded: {@value #THREADS} threads, {@value #QUEUE} jobs waiting; beyond
 * that the caller gets 503 rather than a queue without bound.
 */
final class ConsoleRender implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConsoleRender.class);

    /** Threads that render bodies and HAR files. */
    static final int THREADS = 2;
    /** Render jobs waiting beyond this are refused with 503. */
    static final int QUEUE = 32;

    private final Inspector inspector;
    private final ConsoleJson json;
    private final ThreadPoolExecutor executor;

    ConsoleRender(Inspector inspector, ConsoleJson json) {
        this.inspector = inspector;
        this.json = json;
        AtomicInteger threadIds = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUE), r -> {
                    Thread t = new Thread(r, "tuns-console-render-" + threadIds.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.executor.allowCoreThreadTimeOut(true);
    }

    /**
     * @param bodies how many rendered bodies the job may hold at once; it reserves that many times the rendered-body
     *               bound, twice (the decoded text and the response built from it), in the memory budget first
     */
    void later(ConsoleCall c, int bodies, Supplier<FullHttpResponse> job) {
        MemoryBudget memory = inspector.memory();
        long cost = 2L * bodies * inspector.renderer().maxRenderedBytes();
        try {
            executor.execute(() -> {
                if (!memory.tryReserve(MemoryBudget.Kind.CONSOLE_RENDER, cost)) {
                    c.send(json.failure(HttpResponseStatus.SERVICE_UNAVAILABLE,
                            "Not rendered now: " + memory.refusal() + "."));
                    return;
                }
                FullHttpResponse r;
                try {
                    r = job.get();
                } catch (RuntimeException e) {
                    log.warn("console render failed path={} error={}", c.path(), e.toString());
                    r = json.failure(HttpResponseStatus.INTERNAL_SERVER_ERROR, "Rendering failed: " + e);
                } finally {
                    memory.release(MemoryBudget.Kind.CONSOLE_RENDER, cost);
                }
                c.send(r);
            });
        } catch (RejectedExecutionException e) {
            c.send(json.failure(HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "The console is busy rendering other bodies; try again in a moment."));
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
