package io.tuns.server.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.tcp.TcpPortAllocator.FirstStep;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The first decision for a TCP forward, against sish's utils.go GetOpenPort and sshmuxer/tcphandler.go:
 * <pre>
 * checkedPort, err := CheckPort(checkerPort, viper.GetString("port-bind-range"))
 * if viper.GetBool("bind-random-ports") || !first || err != nil {
 *     reportUnavailable(true)   // "The TCP port %d is unavailable.%s", extra = "" under force-requested-ports
 *     bindPort = GetRandomPortInRange(...) or 0
 * } else { bindPort = checkedPort }
 * ...
 * if tcpPort != bindPort &amp;&amp; viper.GetBool("force-requested-ports") { error "error assigning requested port to tunnel" }
 * </pre>
 * Port 0 is no exception: {@code -R 0:…} under {@code --bind-random-ports} is reported as "The TCP port 0 is
 * unavailable. Assigning a random port." (sish's default range lists 0, so CheckPort(0) passes and only
 * bind-random-ports reports it).
 */
class TcpPortAllocatorTest {

    @ParameterizedTest(name = "port {0}, range accepts {1}, bind-random {2}, force {3} -> {4}")
    @CsvSource({
            // port, accepted, bindRandom, force, step
            "2222, true,  false, false, TRY_REQUESTED",
            "2222, true,  false, true,  TRY_REQUESTED",
            "0,    true,  false, false, RANDOM",
            "0,    true,  false, true,  RANDOM",
            // --bind-random-ports: the requested port is reported, port 0 included
            "2222, true,  true,  false, RANDOM_REPORTED",
            "0,    true,  true,  false, RANDOM_REPORTED",
            // --bind-random-ports with --force-requested-ports: sish's random pick differs from the request: refused
            "2222, true,  true,  true,  REFUSE_REPORTED",
            // ... except port 0, which any port satisfies (sish grants it whenever its random pick is 0)
            "0,    true,  true,  true,  RANDOM_REPORTED",
            // outside --port-bind-range (CheckPort fails): reported, and refused when forced
            "1000, false, false, false, RANDOM_REPORTED",
            "1000, false, false, true,  REFUSE_REPORTED",
            "1000, false, true,  true,  REFUSE_REPORTED",
            // port 0 with a range that does not list 0 (or an empty range): CheckPort(0) fails too
            "0,    false, false, false, RANDOM_REPORTED",
            "0,    false, false, true,  REFUSE_REPORTED",
    })
    void firstStepAsSish(int port, boolean accepted, boolean bindRandom, boolean force, FirstStep expected) {
        assertThat(TcpPortAllocator.firstStep(port, accepted, bindRandom, force)).isEqualTo(expected);
    }

    /**
     * When the requested port passed the range but binding it failed. sish utils.go checkPort sees a clash only in
     * its own {@code state.TCPListeners} (TCP and SNI forwards) or, with tcp-/sni-load-balancer, by a trial Listen:
     * <pre>
     * if err == nil &amp;&amp; !ok &amp;&amp; (viper.GetBool("tcp-load-balancer") || viper.GetBool("sni-load-balancer")) {
     *     ln, listenErr := Listen(listenAddr) ...   // a clash becomes err: reported, random port
     * ...
     * holder, ok := state.TCPListeners.Load(listenAddr)
     * reportUnavailable(ok)                          // a port its own forward holds: reported, random port
     * </pre>
     * A port another process holds passes both, and tcphandler.go's {@code utils.Listen(tcpAddr)} fails:
     * {@code log.Println("Error listening on addr:", err); return …, err}, requests.go replies false and writes no
     * line.
     */
    @ParameterizedTest(name = "held by a tunnel {0}, load balancer {1}, force {2} -> {3}")
    @CsvSource({
            "false, false, false, REFUSE_SILENT",
            "false, false, true,  REFUSE_SILENT",
            "true,  false, false, RANDOM_REPORTED",
            "true,  false, true,  REFUSE_REPORTED",
            "false, true,  false, RANDOM_REPORTED",
            "false, true,  true,  REFUSE_REPORTED",
            "true,  true,  false, RANDOM_REPORTED",
    })
    void afterAFailedBindAsSish(boolean held, boolean loadBalancer, boolean force,
                                TcpPortAllocator.AfterBindFailure expected) {
        assertThat(TcpPortAllocator.afterBindFailure(held, loadBalancer, force)).isEqualTo(expected);
    }

    /**
     * A requested port this node mirrors for another node is claimed in the store before the bind (a same-key
     * take-over makes the mirror yield it), only when sish would try the requested port and no local forward has it.
     */
    @ParameterizedTest(name = "{0}, mirrored {1}, held here {2} -> claim first {3}")
    @CsvSource({
            "TRY_REQUESTED,   true,  false, true",
            "TRY_REQUESTED,   false, false, false",
            "TRY_REQUESTED,   true,  true,  false",
            "RANDOM,          true,  false, false",
            "RANDOM_REPORTED, true,  false, false",
            "REFUSE_REPORTED, true,  false, false",
    })
    void aMirroredRequestedPortIsClaimedBeforeItIsBound(FirstStep first, boolean mirrored, boolean heldHere,
                                                       boolean claimFirst) {
        assertThat(TcpPortAllocator.claimBeforeBind(first, mirrored, heldHere)).isEqualTo(claimFirst);
    }
}
