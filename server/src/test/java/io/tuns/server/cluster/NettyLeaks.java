package io.tuns.server.cluster;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Netty's leak detector at PARANOID (every buffer tracked) with its reports caught: {@link #reported} collects
 * garbage and lists the leaks Netty found since {@link #watch}.
 */
public final class NettyLeaks {

    private final ListAppender<ILoggingEvent> reports = new ListAppender<>();
    private final ResourceLeakDetector.Level before = ResourceLeakDetector.getLevel();

    public static NettyLeaks watch() {
        NettyLeaks w = new NettyLeaks();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        w.reports.start();
        ((Logger) LoggerFactory.getLogger(ResourceLeakDetector.class)).addAppender(w.reports);
        return w;
    }

    /** Leak reports so far, after a GC (Netty reports a leaked buffer when a later one is tracked). */
    public List<String> reported() throws InterruptedException {
        for (int round = 0; round < 3; round++) {
            System.gc();
            Thread.sleep(50);
            for (int i = 0; i < 200; i++) {
                PooledByteBufAllocator.DEFAULT.directBuffer(16).release();
                UnpooledByteBufAllocator.DEFAULT.heapBuffer(16).release();
            }
        }
        return reports.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("LEAK")).toList();
    }

    public void stop() {
        ((Logger) LoggerFactory.getLogger(ResourceLeakDetector.class)).detachAppender(reports);
        ResourceLeakDetector.setLevel(before);
    }
}
