package dev.tether.testkit;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.java_websocket.WebSocket;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.WebSocketServer;

/**
 * The peer of the WebSocket subjects: a Java-WebSocket server on 127.0.0.1 and an ephemeral port.
 * A client connects to a fresh {@link #uri} per subject; {@link #peer} returns the server's side
 * of that connection, whose {@code send} makes an event happen on the client.
 *
 * <p>Instances are thread-safe.
 */
final class LoopbackWebSocketServer implements AutoCloseable {
  /** Thread names of the server: shared by every subject, never the subject's own. */
  static final String THREAD_PREFIX = "WebSocketSelector-|WebSocketWorker-|connectionLostChecker";

  private final Map<String, CompletableFuture<WebSocket>> peers = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong paths =
      new java.util.concurrent.atomic.AtomicLong();
  private final CountDownLatch started = new CountDownLatch(1);
  private final WebSocketServer server =
      new WebSocketServer(new InetSocketAddress("127.0.0.1", 0)) {
        @Override
        public void onOpen(WebSocket conn, ClientHandshake handshake) {
          future(handshake.getResourceDescriptor().substring(1)).complete(conn);
        }

        @Override
        public void onClose(WebSocket conn, int code, String reason, boolean remote) {}

        @Override
        public void onMessage(WebSocket conn, String message) {}

        @Override
        public void onError(WebSocket conn, Exception ex) {}

        @Override
        public void onStart() {
          started.countDown();
        }
      };

  LoopbackWebSocketServer() throws InterruptedException {
    server.setReuseAddr(true);
    server.setDaemon(true);
    server.start();
    if (!started.await(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the loopback WebSocket server did not start in 10 s");
    }
  }

  static boolean isServerThread(Thread thread) {
    return thread.getName().matches("(" + THREAD_PREFIX + ").*");
  }

  /** A path of its own for subject {@code name}: {@code /<name>-<n>}. */
  URI uri(String name) {
    return URI.create(
        "ws://127.0.0.1:" + server.getPort() + "/" + name + "-" + paths.incrementAndGet());
  }

  /** The server's side of the connection to {@code uri}, waiting at most 5 s for it. */
  WebSocket peer(URI uri) throws Exception {
    return future(uri.getPath().substring(1)).get(5, TimeUnit.SECONDS);
  }

  private CompletableFuture<WebSocket> future(String subject) {
    return peers.computeIfAbsent(subject, ignored -> new CompletableFuture<>());
  }

  @Override
  public void close() {
    try {
      server.stop(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
