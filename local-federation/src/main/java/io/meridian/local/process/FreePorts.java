package io.meridian.local.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Loopback TCP ports: free ephemeral ones for tests, and a check that a configured one is free. */
public final class FreePorts {

    private FreePorts() {
    }

    /**
     * {@code count} distinct ports that were free on 127.0.0.1 a moment ago. All sockets are held open until
     * every port is chosen, so the ports are distinct; another process may still take one before the
     * caller binds it, which the caller's start-up then reports.
     */
    public static int[] allocate(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("port count must be at least 1, was " + count);
        }
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket s = new ServerSocket();
                s.setReuseAddress(false);
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                sockets.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("could not allocate " + count + " free loopback ports", e);
        } finally {
            for (ServerSocket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing a listening socket that never accepted cannot lose data
                }
            }
        }
    }

    /** One free loopback port. */
    public static int allocate() {
        return allocate(1)[0];
    }

    /** Whether nothing listens on 127.0.0.1:{@code port} and it can be bound now. */
    public static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
