package io.tuns.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MaxStartupsSettingTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            0          | 0  | 0   | 0
            1          | 1  | 100 | 1
            32         | 32 | 100 | 32
            10:30:100  | 10 | 30  | 100
            ' 16:30:64 ' | 16 | 30 | 64
            8:100:8    | 8  | 100 | 8
            """)
    void parses(String text, int start, int rate, int full) {
        assertThat(MaxStartupsSetting.parse(text)).isEqualTo(new MaxStartupsSetting(start, rate, full));
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"", "-1", "ten", "10:30", "10:30:100:1", "0:30:100", "10:0:100", "10:101:100",
        "20:30:10", "10:30:x", "10::100"})
    void refuses(String text) {
        assertThatThrownBy(() -> MaxStartupsSetting.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("'" + text + "' is not start:rate:full");
    }

    @org.junit.jupiter.api.Test
    void zeroIsOff() {
        assertThat(MaxStartupsSetting.parse("0").off()).isTrue();
        assertThat(MaxStartupsSetting.parse("1").off()).isFalse();
    }
}
