package io.tuns.server.bridge;

import io.tuns.server.tunnel.ChannelSink;

import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelOwner;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** A tunnel owner for unit tests: each channel tuns asks for becomes a {@link FakeSshChannel} the test plays. */
public final class RecordingOwner implements TunnelOwner {

    public final List<FakeSshChannel> channels = new ArrayList<>();
    /** The member each channel was asked for, in the same order. */
    public final List<Tunnel> members = new ArrayList<>();
    /** Lines tuns sent to the owner's ssh session. */
    public final List<String> messages = new ArrayList<>();
    private final Runnable settle;

    public RecordingOwner(Runnable settle) {
        this.settle = settle;
    }

    @Override
    public void openChannel(Tunnel tunnel, InetSocketAddress origin, ChannelSink sink) {
        members.add(tunnel);
        channels.add(new FakeSshChannel(sink, settle));
    }

    @Override
    public String remoteAddress() {
        return "127.0.0.1:2222";
    }

    @Override
    public String user() {
        return "test";
    }

    @Override
    public String keyFingerprint() {
        return null;
    }

    @Override
    public void message(String line) {
        messages.add(line);
    }

    @Override
    public void closeTunnel(Tunnel tunnel, String why) {
    }

    @Override
    public void tunnelTakenOver(Tunnel tunnel) {
    }
}
