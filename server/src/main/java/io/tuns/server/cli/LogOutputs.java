package io.tuns.server.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import io.tuns.server.config.ServerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * sish's log outputs on top of {@link LogConfigurator}'s console: {@code --log-to-stdout=false} drops the console appender,
 * {@code --log-to-file} adds a file rotated by size ({@code --log-to-file-max-size} MB) and by day, old files kept
 * {@code --log-to-file-max-age} days and at most {@code --log-to-file-max-backups} of them (as a total size cap),
 * gzip-compressed with {@code --log-to-file-compress}. Logback does the writing and rotation.
 */
final class LogOutputs {

    /** The console appender's name ({@link LogConfigurator}). */
    static final String CONSOLE = "STDERR";
    /** Same shape as the console's lines. */
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX,UTC} %-5level %logger{0} %msg%n";

    private LogOutputs() {
    }

    static void apply(ServerConfig c) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            return; // another slf4j binding: its own configuration decides
        }
        ch.qos.logback.classic.Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        if (c.logToFile()) {
            root.addAppender(rollingFile(ctx, c));
        }
        if (!c.logToStdout()) {
            root.detachAppender(CONSOLE);
        }
    }

    private static RollingFileAppender<ILoggingEvent> rollingFile(LoggerContext ctx, ServerConfig c) {
        RollingFileAppender<ILoggingEvent> file = new RollingFileAppender<>();
        file.setContext(ctx);
        file.setName("FILE");
        file.setFile(c.logToFilePath());

        SizeAndTimeBasedRollingPolicy<ILoggingEvent> policy = new SizeAndTimeBasedRollingPolicy<>();
        policy.setContext(ctx);
        policy.setParent(file);
        policy.setFileNamePattern(c.logToFilePath() + ".%d{yyyy-MM-dd}.%i" + (c.logToFileCompress() ? ".gz" : ""));
        policy.setMaxFileSize(new FileSize((long) c.logToFileMaxSize() * FileSize.MB_COEFFICIENT));
        policy.setMaxHistory(c.logToFileMaxAge());
        policy.setTotalSizeCap(new FileSize((long) c.logToFileMaxSize() * FileSize.MB_COEFFICIENT
                * (c.logToFileMaxBackups() + 1L)));
        policy.start();

        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(ctx);
        encoder.setPattern(PATTERN);
        encoder.start();

        file.setRollingPolicy(policy);
        file.setEncoder(encoder);
        file.start();
        return file;
    }
}
