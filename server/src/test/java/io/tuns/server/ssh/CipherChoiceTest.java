package io.tuns.server.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.config.ServerConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The client lists are each client's default cipher order, from its sources or its own debug output. */
class CipherChoiceTest {

    private static final String DEFAULT = ServerConfig.DEFAULT_SSH_CIPHERS;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
            OpenSSH_9.2p1 | chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com | aes128-gcm@openssh.com
            OpenSSH_9.2p1 ssh -c aes128-ctr | aes128-ctr | aes128-ctr
            OpenSSH_9.2p1 ssh -c aes256-gcm@openssh.com | aes256-gcm@openssh.com | aes256-gcm@openssh.com
            OpenSSH_6.1 (no GCM) | aes128-ctr,aes192-ctr,aes256-ctr,arcfour256,arcfour128,aes128-cbc,3des-cbc,blowfish-cbc,cast128-cbc,aes192-cbc,aes256-cbc,arcfour,rijndael-cbc@lysator.liu.se | aes128-ctr
            OpenSSH_for_Windows_8.1 | chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com | aes128-gcm@openssh.com
            PuTTY_Release_0.75 (no GCM) | aes256-ctr,aes256-cbc,rijndael-cbc@lysator.liu.se,aes192-ctr,aes192-cbc,aes128-ctr,aes128-cbc,chacha20-poly1305@openssh.com,3des-ctr,3des-cbc,blowfish-ctr,blowfish-cbc,arcfour256,arcfour128 | aes128-ctr
            PuTTY_Release_0.81 | aes256-ctr,aes256-cbc,rijndael-cbc@lysator.liu.se,aes192-ctr,aes192-cbc,aes128-ctr,aes128-cbc,aes256-gcm@openssh.com,aes128-gcm@openssh.com,chacha20-poly1305@openssh.com,3des-ctr,3des-cbc | aes128-gcm@openssh.com
            Go x/crypto/ssh | aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr | aes128-gcm@openssh.com
            libssh 0.10 | chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr | aes128-gcm@openssh.com
            dropbear 2022.83 | chacha20-poly1305@openssh.com,aes128-ctr,aes256-ctr | aes128-ctr
            a client naming only AES-256 | aes256-ctr,aes256-gcm@openssh.com | aes256-gcm@openssh.com
            """)
    void offersOurFirstCipherThatTheClientLists(String client, String clientList, String offered) {
        assertThat(CipherChoice.offer(DEFAULT, clientList)).as(client).isEqualTo(offered);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
            no KEXINIT from the client yet | NULL
            empty list | ''
            only commas and spaces | ' , ,'
            chacha20 only | chacha20-poly1305@openssh.com
            garbage | rot13,SSH-2.0-OpenSSH_9.2p1
            a prefix is not a name | aes128-gcm,aes128
            """)
    void unknownOrDisjointClientListsGetTheFullList(String client, String clientList) {
        assertThat(CipherChoice.offer(DEFAULT, clientList)).as(client).isEqualTo(DEFAULT);
    }

    @ParameterizedTest(name = "configured {0}")
    @CsvSource(delimiter = '|', textBlock = """
            aes256-ctr, aes128-gcm@openssh.com | aes256-ctr
            aes128-gcm@openssh.com | aes128-gcm@openssh.com
            ' chacha20-poly1305@openssh.com ,aes128-ctr' | chacha20-poly1305@openssh.com
            """)
    void theConfiguredOrderIsThePreference(String configured, String offered) {
        String openSsh = "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com";
        assertThat(CipherChoice.offer(configured, openSsh + ",aes256-ctr")).isEqualTo(offered);
    }
}
