package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** One row per case of what a cluster node's HTTPS listener does with a TLS connection, by its SNI name. */
class TlsEntryTest {

    @ParameterizedTest(name = "served here {0}, name held by {1} → {2}")
    @CsvSource(nullValues = "-", value = {
            // a local route for the name (host, wildcard, SNI, or only a path under it): TLS here, whoever else
            "true,  -,    TERMINATE",
            "true,  self, TERMINATE",
            "true,  b,    TERMINATE", // e.g. app/api here, app on b: / hops to b per request, /api stays
            // nothing here: the name itself held on another node goes there still encrypted
            "false, b,    SPLICE",
            // nothing holds the name itself: path routes only (on one node or several), or no route at all
            "false, -,    TERMINATE",
            // the store names this node but no local tunnel serves it (a route leaving): TLS here, then 404s
            "false, self, TERMINATE",
    })
    void choose(boolean servedHere, String holder, TlsEntry.Kind expected) {
        assertThat(TlsEntry.choose(servedHere, Optional.ofNullable(holder), "self")).isEqualTo(expected);
    }
}
