package io.tuns.server.ssh;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.util.Set;
import java.util.concurrent.Future;
import org.apache.sshd.common.FactoryManager;
import org.apache.sshd.common.io.IoAcceptor;
import org.apache.sshd.common.io.IoHandler;
import org.apache.sshd.common.io.IoServiceFactory;
import org.apache.sshd.common.io.nio2.Nio2Acceptor;
import org.apache.sshd.common.io.nio2.Nio2ServiceFactory;
import org.apache.sshd.common.io.nio2.Nio2ServiceFactoryFactory;
import org.apache.sshd.common.util.threads.CloseableExecutorService;
import org.apache.sshd.common.util.threads.ThreadUtils;

/**
 * MINA's NIO2 transport with the socket {@link EarlySshSocket} bound at start: the acceptor runs in the early
 * socket's channel group (so every session's I/O does, as it would in MINA's own group) and, instead of opening
 * and binding a socket for that address, takes the bound one. Other addresses are bound as usual.
 */
final class EarlyNio2Factory extends Nio2ServiceFactory {

    private final EarlySshSocket.Bound early;
    private final CloseableExecutorService resume;

    private EarlyNio2Factory(FactoryManager manager, EarlySshSocket.Bound early) {
        super(manager, null, null); // MINA's own group stays idle: one poller thread, its pool's threads made as needed
        this.early = early;
        this.resume = ThreadUtils.newFixedThreadPool(manager + "-nio2-resume-early", getNioWorkers(manager));
    }

    /** The factory for {@code SshServer#setIoServiceFactoryFactory}. */
    static Nio2ServiceFactoryFactory of(EarlySshSocket.Bound early) {
        return new Nio2ServiceFactoryFactory() {
            @Override
            public IoServiceFactory create(FactoryManager manager) {
                return new EarlyNio2Factory(manager, early);
            }
        };
    }

    @Override
    public IoAcceptor createAcceptor(IoHandler handler) {
        return autowireCreatedService(new Nio2Acceptor(this, getFactoryManager(), handler, early.group(), resume) {
            @Override
            protected AsynchronousServerSocketChannel openAsynchronousServerSocketChannel(SocketAddress address,
                    AsynchronousChannelGroup group) throws IOException {
                return address.equals(early.requested()) && early.channel().isOpen()
                        ? new Bound(early.channel(), address)
                        : super.openAsynchronousServerSocketChannel(address, group);
            }
        });
    }

    @Override
    protected void doCloseImmediately() {
        try {
            resume.shutdownNow();
            early.group().shutdownNow();
        } catch (IOException e) {
            // closing: the group's sockets are closed by shutdownNow either way
        } finally {
            super.doCloseImmediately();
        }
    }

    /** The early socket as MINA sees it: its bind to the address it is already bound to does nothing. */
    private static final class Bound extends AsynchronousServerSocketChannel {
        private final AsynchronousServerSocketChannel ch;
        private final SocketAddress requested;

        Bound(AsynchronousServerSocketChannel ch, SocketAddress requested) {
            super(ch.provider());
            this.ch = ch;
            this.requested = requested;
        }

        @Override
        public AsynchronousServerSocketChannel bind(SocketAddress local, int backlog) {
            if (!requested.equals(local)) {
                throw new AlreadyBoundException();
            }
            return this;
        }

        @Override
        public <T> AsynchronousServerSocketChannel setOption(SocketOption<T> name, T value) throws IOException {
            ch.setOption(name, value);
            return this;
        }

        @Override
        public <T> T getOption(SocketOption<T> name) throws IOException {
            return ch.getOption(name);
        }

        @Override
        public Set<SocketOption<?>> supportedOptions() {
            return ch.supportedOptions();
        }

        @Override
        public <A> void accept(A attachment, CompletionHandler<AsynchronousSocketChannel, ? super A> handler) {
            ch.accept(attachment, handler);
        }

        @Override
        public Future<AsynchronousSocketChannel> accept() {
            return ch.accept();
        }

        @Override
        public SocketAddress getLocalAddress() throws IOException {
            return ch.getLocalAddress();
        }

        @Override
        public boolean isOpen() {
            return ch.isOpen();
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
