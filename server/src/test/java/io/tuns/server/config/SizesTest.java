package io.tuns.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SizesTest {

    @Test
    void plainNumbersAndBinaryUnitsParse() {
        assertThat(Sizes.parse("65536")).isEqualTo(65536);
        assertThat(Sizes.parse("64KiB")).isEqualTo(64 * 1024);
        assertThat(Sizes.parse("8MiB")).isEqualTo(8L << 20);
        assertThat(Sizes.parse("1GiB")).isEqualTo(1L << 30);
        assertThat(Sizes.parse("64KB")).as("KB means KiB").isEqualTo(64 * 1024);
        assertThat(Sizes.parse("2mb")).isEqualTo(2L << 20);
        assertThat(Sizes.parse("3G")).isEqualTo(3L << 30);
        assertThat(Sizes.parse("100B")).isEqualTo(100);
        assertThat(Sizes.parse("1 MiB")).isEqualTo(1L << 20);
        assertThat(Sizes.parse("-1")).as("sish's unlimited").isEqualTo(-1);
        assertThat(Sizes.parse("0")).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "lots", "5KMB", "1.5MiB", "-1KiB", "1TiB", "KiB", "99999999999GiB"})
    void otherTextIsRejected(String text) {
        assertThatThrownBy(() -> Sizes.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }
}
