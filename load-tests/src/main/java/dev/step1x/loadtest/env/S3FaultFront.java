package dev.step1x.loadtest.env;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP/1.1 relay on loopback in front of the S3 server, for S3 faults the server itself cannot make: it passes
 * requests through unchanged ({@link Mode#PASS}; the Host header stays, so signatures still verify), holds each
 * request for a while before passing it ({@link Mode#DELAY}: a slow S3), or answers every request with S3's
 * {@code 503 SlowDown} and closes the connection ({@link Mode#SLOW_DOWN}: throttling). Workers point their
 * {@code worker.storage.endpoint} at {@link #endpoint()}; the load test's own client keeps talking to the server.
 * One thread per client connection; requests on a connection are relayed one after the other (the SDK does not
 * pipeline).
 */
public final class S3FaultFront implements AutoCloseable {

    /** What the front does with the next request. */
    public enum Mode { PASS, DELAY, SLOW_DOWN }

    private static final byte[] SLOW_DOWN_BODY = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>"
            + "<Message>Please reduce your request rate.</Message><RequestId>fault-front</RequestId></Error>")
            .getBytes(StandardCharsets.UTF_8);

    private final ServerSocket server;
    private final int upstreamPort;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "s3-fault-front");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong passed = new AtomicLong();
    private final AtomicLong delayed = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private volatile Mode mode = Mode.PASS;
    private volatile long delayMs;
    private volatile boolean closed;

    private S3FaultFront(ServerSocket server, int upstreamPort) {
        this.server = server;
        this.upstreamPort = upstreamPort;
    }

    /** Listens on a free loopback port and relays to the S3 server at {@code upstream}. */
    public static S3FaultFront start(URI upstream) {
        try {
            S3FaultFront f = new S3FaultFront(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()),
                    upstream.getPort());
            f.threads.execute(f::acceptLoop);
            return f;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    public void pass() {
        mode = Mode.PASS;
    }

    /** Each request waits {@code d} before it is passed on (the answer comes that much later). */
    public void delay(Duration d) {
        delayMs = d.toMillis();
        mode = Mode.DELAY;
    }

    /** Each request is answered {@code 503 SlowDown} (and its connection closed). */
    public void slowDown() {
        mode = Mode.SLOW_DOWN;
    }

    public Mode mode() {
        return mode;
    }

    /** Requests passed on without delay, passed on after a delay, and answered 503 so far. */
    public long[] counts() {
        return new long[] {passed.get(), delayed.get(), refused.get()};
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                threads.execute(() -> relay(client));
            } catch (IOException e) {
                if (!closed) {
                    sleep(50);
                }
            }
        }
    }

    private void relay(Socket client) {
        Socket upstream = null;
        try (client) {
            InputStream in = new BufferedInputStream(client.getInputStream());
            OutputStream out = client.getOutputStream();
            InputStream upIn = null;
            OutputStream upOut = null;
            while (true) {
                Message request = Message.read(in);
                if (request == null) {
                    return;
                }
                if (mode == Mode.SLOW_DOWN) {
                    refused.incrementAndGet();
                    out.write(("HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: "
                            + SLOW_DOWN_BODY.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.write(SLOW_DOWN_BODY);
                    out.flush();
                    return;
                }
                if ("100-continue".equalsIgnoreCase(request.header("expect"))) {
                    // the body is read here and sent on in one go, so the server never sees the Expect
                    out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
                byte[] body = request.readBody(in, false, 0);
                if (mode == Mode.DELAY) {
                    delayed.incrementAndGet();
                    sleep(delayMs);
                } else {
                    passed.incrementAndGet();
                }
                if (upstream == null || upstream.isClosed()) {
                    upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
                    upIn = new BufferedInputStream(upstream.getInputStream());
                    upOut = upstream.getOutputStream();
                }
                upOut.write(request.head("expect"));
                upOut.write(body);
                upOut.flush();
                Message response;
                do {
                    response = Message.read(upIn);
                    if (response == null) {
                        return; // the server went away: the client sees its connection close, as it would
                    }
                } while (response.status() >= 100 && response.status() < 200);
                out.write(response.head(null));
                out.write(response.readBody(upIn, true, request.method().equals("HEAD") ? -1 : response.status()));
                out.flush();
                if ("close".equalsIgnoreCase(response.header("connection"))
                        || "close".equalsIgnoreCase(request.header("connection")) || response.untilClose) {
                    return;
                }
            }
        } catch (IOException e) {
            // a client or the server closed its side: the relay ends with the connection
        } finally {
            if (upstream != null) {
                try {
                    upstream.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    /** An HTTP/1.1 request or response head, and how to read the body that follows it. */
    private static final class Message {
        final List<String> lines;
        boolean untilClose;

        private Message(List<String> lines) {
            this.lines = lines;
        }

        /** The head up to its empty line, or null at the end of the stream. */
        static Message read(InputStream in) throws IOException {
            List<String> lines = new ArrayList<>();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int prev = -1;
            while (true) {
                int c = in.read();
                if (c < 0) {
                    return null;
                }
                if (c == '\n' && prev == '\r') {
                    byte[] b = line.toByteArray();
                    String s = new String(b, 0, b.length - 1, StandardCharsets.ISO_8859_1);
                    if (s.isEmpty()) {
                        return lines.isEmpty() ? read(in) : new Message(lines);
                    }
                    lines.add(s);
                    line.reset();
                } else {
                    line.write(c);
                }
                prev = c;
            }
        }

        String method() {
            return lines.get(0).split(" ", 2)[0];
        }

        int status() {
            String[] p = lines.get(0).split(" ", 3);
            return p[0].startsWith("HTTP/") ? Integer.parseInt(p[1]) : -1;
        }

        String header(String name) {
            for (int i = 1; i < lines.size(); i++) {
                String l = lines.get(i);
                int colon = l.indexOf(':');
                if (colon > 0 && l.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return l.substring(colon + 1).trim();
                }
            }
            return null;
        }

        /** The head as bytes, without the header named {@code drop} (null: all of it). */
        byte[] head(String drop) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < lines.size(); i++) {
                String l = lines.get(i);
                if (i > 0 && drop != null && l.toLowerCase(Locale.ROOT).startsWith(drop + ":")) {
                    continue;
                }
                b.append(l).append("\r\n");
            }
            return b.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        }

        /**
         * The body as it came (chunked bodies with their framing). A response to HEAD ({@code status} -1), a 1xx,
         * 204 or 304 has none; a response without a length is read to the end of the connection.
         */
        byte[] readBody(InputStream in, boolean response, int status) throws IOException {
            if (response && (status == -1 || status == 204 || status == 304)) {
                return new byte[0];
            }
            String length = header("content-length");
            if (length != null) {
                return in.readNBytes(Integer.parseInt(length));
            }
            if ("chunked".equalsIgnoreCase(header("transfer-encoding"))) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                while (true) {
                    String size = readLine(in, b);
                    int n = Integer.parseInt(size.split(";", 2)[0].trim(), 16);
                    if (n == 0) {
                        while (!readLine(in, b).isEmpty()) {
                            // trailers
                        }
                        return b.toByteArray();
                    }
                    b.write(in.readNBytes(n + 2)); // data and its CRLF
                }
            }
            if (!response) {
                return new byte[0];
            }
            untilClose = true;
            return in.readAllBytes();
        }

        private static String readLine(InputStream in, ByteArrayOutputStream copy) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int prev = -1;
            while (true) {
                int c = in.read();
                if (c < 0) {
                    throw new IOException("connection closed inside a chunked body");
                }
                copy.write(c);
                if (c == '\n' && prev == '\r') {
                    byte[] b = line.toByteArray();
                    return new String(b, 0, b.length - 1, StandardCharsets.ISO_8859_1);
                }
                line.write(c);
                prev = c;
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        threads.shutdownNow();
    }
}
