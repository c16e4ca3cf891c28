package io.tuns.server.bridge;

/**
 * Marks an {@link org.apache.sshd.common.io.IoOutputStream} that accepts a new write before the previous one has
 * completed (keeping their order), so {@link SshChannelWriter} may keep several in flight. MINA's own channel
 * streams allow one pending write only.
 */
public interface PipelinedWrites {
}
