package io.tuns.server.inspect;

/**
 * Running totals for one tunnel name, as the admin console shows them. Counters are monotonic for the life of the
 * name's history (they survive a same-key reconnect with it), so a viewer derives rates from two readings.
 *
 * @param requests      exchanges begun
 * @param errors        exchanges that ended aborted or with a 5xx
 * @param bytesIn       request body bytes seen (ended exchanges)
 * @param bytesOut      response body bytes seen (ended exchanges)
 * @param capturedBytes bytes of the capture budget the history holds now
 * @param exchanges     exchanges in the history now
 * @param viewers       console viewers attached now
 * @param away          true while the tunnel is disconnected and its history waits for it
 */
public record TunnelFigures(long requests, long errors, long bytesIn, long bytesOut, long capturedBytes,
                            int exchanges, int viewers, boolean away) {
}
