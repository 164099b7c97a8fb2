package dev.step1x.loadtest.env;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP relay in front of one port, which can cut every connection through it and refuse new ones for a
 * while ({@link #block()}, {@link #pass()}). The broker advertises a listener at the relay's port, so a client
 * bootstrapped there (e.g. only a worker's results producer) talks to the broker through it and nothing else does.
 */
public final class TcpRelay implements AutoCloseable {

    private final ServerSocket server;
    private final int targetPort;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong refused = new AtomicLong();
    private volatile boolean blocked;
    private volatile boolean closed;

    private TcpRelay(ServerSocket server, int targetPort) {
        this.server = server;
        this.targetPort = targetPort;
    }

    /** Listens on 127.0.0.1:{@code listenPort} and relays to 127.0.0.1:{@code targetPort}. */
    public static TcpRelay start(int listenPort, int targetPort) {
        try {
            ServerSocket s = new ServerSocket(listenPort, 50, InetAddress.getLoopbackAddress());
            TcpRelay r = new TcpRelay(s, targetPort);
            Thread t = new Thread(r::acceptLoop, "tcp-relay-" + listenPort);
            t.setDaemon(true);
            t.start();
            return r;
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on 127.0.0.1:" + listenPort + ": " + e, e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Cuts every connection and closes each new one at once until {@link #pass()}. */
    public void block() {
        blocked = true;
        open.forEach(TcpRelay::closeQuietly);
    }

    public void pass() {
        blocked = false;
    }

    /** Connections closed at once while blocked. */
    public long refused() {
        return refused.get();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                if (blocked) {
                    refused.incrementAndGet();
                    closeQuietly(client);
                    continue;
                }
                Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                open.add(client);
                open.add(target);
                pump(client, target);
                pump(target, client);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // either side closed: close both
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        }, "tcp-relay-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        open.forEach(TcpRelay::closeQuietly);
    }

    private static void closeQuietly(ServerSocket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
