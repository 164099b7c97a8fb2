package dev.step1x.engine.runtime;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Child-JVM program for {@link OfflineBootstrapIT}: records every URL the JVM tries to open (all of
 * java.net's URL connections ask the default ProxySelector first), starts the engine, computes, and
 * prints what it saw. Exit 0 = engine ran, 3 = EngineUnavailableException (message printed).
 */
public final class OfflineProbe {

    public static void main(String[] args) {
        List<URI> attempts = new CopyOnWriteArrayList<>();
        ProxySelector.setDefault(new ProxySelector() {
            @Override
            public List<Proxy> select(URI uri) {
                attempts.add(uri);
                return List.of(Proxy.NO_PROXY);
            }

            @Override
            public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {}
        });
        int code;
        try {
            EngineRuntime rt = EngineRuntime.startDefault();
            try (NDManager m = rt.newManager()) {
                System.out.println("SUM=" + m.arange(10f).sum().getFloat());
            }
            code = 0;
        } catch (EngineUnavailableException e) {
            System.out.println("UNAVAILABLE=" + e.getMessage());
            code = 3;
        }
        System.out.println("NETWORK_ATTEMPTS=" + attempts.size() + " " + attempts);
        System.exit(code);
    }
}
