package io.tuns.server.http;

import io.tuns.server.config.ServerConfig;

/**
 * The bounds of one HTTP/2 client connection. Request DATA a stream has not consumed yet (its exchange paused
 * reading because the tunnel is full or still opening) stays within the stream's flow-control window, so a
 * connection holds at most {@code maxConcurrentStreams × streamWindow} of it; the connection window is that
 * product, so one paused stream never stalls its siblings.
 *
 * @param maxConcurrentStreams SETTINGS_MAX_CONCURRENT_STREAMS; streams beyond are refused (RST_STREAM)
 * @param streamWindow         SETTINGS_INITIAL_WINDOW_SIZE: request bytes in flight per stream
 * @param maxHeaderListSize    SETTINGS_MAX_HEADER_LIST_SIZE: the HTTP/1.1 request line and head limits together
 * @param maxRequestLine       {@code --http-max-initial-line-length}: method and path as an HTTP/1.1 line (414 beyond)
 * @param idleMillis           {@code --http-header-timeout}: a connection with no open stream this long is closed
 */
record H2Limits(int maxConcurrentStreams, int streamWindow, long maxHeaderListSize, int maxRequestLine,
                long idleMillis) {

    /** What browsers use at most per connection (Chromium and Firefox cap at 100, nginx's default is 128). */
    static final int MAX_CONCURRENT_STREAMS = 100;
    /** The protocol's default window, as nginx keeps it: small, since a paused stream holds it on the heap. */
    static final int STREAM_WINDOW = 64 * 1024;

    static H2Limits of(ServerConfig cfg) {
        return new H2Limits(MAX_CONCURRENT_STREAMS, STREAM_WINDOW,
                (long) cfg.httpMaxHeaderSize() + cfg.httpMaxInitialLineLength(), cfg.httpMaxInitialLineLength(),
                cfg.httpHeaderTimeout().toMillis());
    }

    /** The connection-level window: every stream's window at once. */
    int connectionWindow() {
        return maxConcurrentStreams * streamWindow;
    }
}
