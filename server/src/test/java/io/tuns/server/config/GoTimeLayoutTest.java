package io.tuns.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

class GoTimeLayoutTest {

    // Tuesday 2026-12-01 14:05:09.120 at +02:00, day 335 of the year
    private static final ZonedDateTime T = ZonedDateTime.of(2026, 12, 1, 14, 5, 9, 120_000_000, ZoneOffset.ofHours(2));

    private static String fmt(String layout) {
        return GoTimeLayout.toFormatter(layout).format(T);
    }

    @Test
    void sishDefault() {
        assertThat(fmt("2006/01/02 - 15:04:05")).isEqualTo("2026/12/01 - 14:05:09");
    }

    @Test
    void rfc3339WithFixedAndTrimmedFractions() {
        assertThat(fmt("2006-01-02T15:04:05Z07:00")).isEqualTo("2026-12-01T14:05:09+02:00");
        assertThat(fmt("15:04:05.000000")).isEqualTo("14:05:09.120000");
        assertThat(fmt("15:04:05.999999")).isEqualTo("14:05:09.12");
        assertThat(GoTimeLayout.toFormatter("Z0700").format(T.withZoneSameInstant(ZoneOffset.UTC))).isEqualTo("Z");
    }

    @Test
    void namesTwelveHourClockAndPadding() {
        assertThat(fmt("Mon Jan _2 3:04PM")).isEqualTo("Tue Dec  1 2:05PM");
        assertThat(fmt("Monday, 02-January-06 03:04:05 -0700")).isEqualTo("Tuesday, 01-December-26 02:05:09 +0200");
        assertThat(fmt("day 002")).isEqualTo("day 335");
    }

    @Test
    void everythingElseIsLiteralAsInGo() {
        assertThat(fmt("Monkey [2006]")).isEqualTo("Monkey [2026]");
        assertThat(fmt("at: xyz")).isEqualTo("at: xyz");
    }
}
