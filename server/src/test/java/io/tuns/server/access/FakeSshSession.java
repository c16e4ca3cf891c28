package io.tuns.server.access;

import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.common.io.IoSession;
import org.apache.sshd.common.session.Session;

/**
 * A stand-in Session for the access listeners, which only count and mark: it keeps attributes and records
 * close(true) on its IoSession (then reports itself closed). Real ssh runs them in AbuseLimitsIT.
 */
final class FakeSshSession {
    final Map<Object, Object> attributes = new ConcurrentHashMap<>();
    volatile boolean closed;
    final Session session;

    FakeSshSession() {
        IoSession io = (IoSession) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {IoSession.class},
                (p, m, args) -> switch (m.getName()) {
                    case "close" -> {
                        closed = true;
                        yield null;
                    }
                    case "isOpen" -> !closed;
                    case "hashCode" -> System.identityHashCode(p);
                    case "equals" -> p == args[0];
                    default -> null;
                });
        session = (Session) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Session.class},
                (p, m, args) -> switch (m.getName()) {
                    case "setAttribute" -> attributes.put(args[0], args[1]);
                    case "getAttribute" -> attributes.get(args[0]);
                    case "removeAttribute" -> attributes.remove(args[0]);
                    case "getIoSession" -> io;
                    case "isOpen" -> !closed;
                    case "isAuthenticated" -> false;
                    case "getRemoteAddress" -> new InetSocketAddress("127.0.0.1", 1);
                    case "hashCode" -> System.identityHashCode(p);
                    case "equals" -> p == args[0];
                    case "toString" -> "FakeSshSession";
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }
}
