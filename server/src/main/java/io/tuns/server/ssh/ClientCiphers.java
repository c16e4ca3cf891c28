package io.tuns.server.ssh;

import java.util.Map;
import org.apache.sshd.common.kex.KexProposalOption;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.server.session.ServerSession;

/**
 * Narrows the cipher part of our KEXINIT to the cipher {@link CipherChoice} picks from the client's own list. MINA
 * builds our proposal (and calls this) when it sends our KEXINIT, which {@link ReplyingKexSession} holds back until
 * the client's KEXINIT is read; a client that never sent one yet finds its list empty here and gets the full list.
 */
final class ClientCiphers implements SessionListener {

    @Override
    public void sessionNegotiationOptionsCreated(Session session, Map<KexProposalOption, String> proposal) {
        if (session instanceof ServerSession s) {
            Map<KexProposalOption, String> client = s.getClientKexProposals();
            narrow(proposal, KexProposalOption.C2SENC, client.get(KexProposalOption.C2SENC));
            narrow(proposal, KexProposalOption.S2CENC, client.get(KexProposalOption.S2CENC));
        }
    }

    private static void narrow(Map<KexProposalOption, String> proposal, KexProposalOption option, String clientList) {
        String configured = proposal.get(option);
        if (configured != null) {
            proposal.put(option, CipherChoice.offer(configured, clientList));
        }
    }
}
