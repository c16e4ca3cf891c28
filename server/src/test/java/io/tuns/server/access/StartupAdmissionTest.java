package io.tuns.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.config.MaxStartupsSetting;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** --max-startups' decision: OpenSSH's random early drop between start and full. */
class StartupAdmissionTest {

    @ParameterizedTest(name = "{0} with {1} in flight, draw {2} → {3}")
    @CsvSource(delimiter = '|', textBlock = """
            0          | 100000 | 0.0    | true
            10:30:100  | 0      | 0.0    | true
            10:30:100  | 9      | 0.0    | true
            10:30:100  | 10     | 0.29   | false
            10:30:100  | 10     | 0.30   | true
            10:30:100  | 55     | 0.64   | false
            10:30:100  | 55     | 0.66   | true
            10:30:100  | 99     | 0.99   | false
            10:30:100  | 99     | 0.9999 | true
            10:30:100  | 100    | 0.9999 | false
            10:30:100  | 5000   | 0.9999 | false
            16:30:64   | 15     | 0.0    | true
            16:30:64   | 16     | 0.1    | false
            16:30:64   | 64     | 0.9999 | false
            1          | 0      | 0.0    | true
            1          | 1      | 0.9999 | false
            32         | 31     | 0.0    | true
            32         | 32     | 0.9999 | false
            5:100:10   | 5      | 0.9999 | false
            """)
    void admitsOrDrops(String setting, int inFlight, double draw, boolean admitted) {
        assertThat(new StartupAdmission(MaxStartupsSetting.parse(setting)).admit(inFlight, draw)).isEqualTo(admitted);
    }
}
