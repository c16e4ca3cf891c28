package io.tuns.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** When a hop connection reads from the owner, by how much read-ahead it holds ({@link HopStream#reading}). */
class HopReadAheadTest {

    static final long LOW = HopStream.LOW_BYTES;
    static final long HIGH = HopStream.HIGH_BYTES;

    @ParameterizedTest(name = "reading={0} held={1}+{2} pressure={3} -> {4}")
    @CsvSource({
            // reading now, mark, + bytes, budget under pressure, reads on
            "true,  HIGH,  0, false, true",
            "true,  HIGH,  1, false, false",
            "true,  LOW,   1, false, true",
            "true,  LOW,   0, true,  true",
            "true,  LOW,   1, true,  false",
            "false, LOW,   1, false, false",
            "false, LOW,   0, false, true",
            "false, LOW,   0, true,  true",
            "false, ZERO,  0, true,  true",
    })
    void pausesAboveItsMarkAndResumesAtTheLowOne(boolean readingNow, String mark, long plus, boolean pressure,
                                                 boolean reads) {
        long base = switch (mark) {
            case "HIGH" -> HIGH;
            case "LOW" -> LOW;
            default -> 0;
        };
        assertThat(HopStream.reading(readingNow, base + plus, pressure)).isEqualTo(reads);
    }
}
