package dev.tether.testkit;

import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ServerHandshake;

/**
 * The adapter for Java-WebSocket's {@link WebSocketClient} (org.java-websocket:Java-WebSocket):
 * {@code onMessage} is the event, {@code onClose} the closed notification (it fires on a local
 * close too), and the close either {@code closeBlocking()}, the strongest close the client
 * offers, which waits for the closing handshake and {@code onClose}, or plain {@code close()},
 * which only starts the handshake.
 *
 * <p>Instances are thread-safe; subjects are opened one at a time.
 */
final class JavaWebSocketSubjects implements SubjectFactory {
  private final LoopbackWebSocketServer server;
  private final boolean blocking;

  /** Subjects closed with {@code closeBlocking()} if {@code blocking}, else with {@code close()}. */
  JavaWebSocketSubjects(LoopbackWebSocketServer server, boolean blocking) {
    this.server = server;
    this.blocking = blocking;
  }

  @Override
  public Subject open(String name, Listener listener) throws Exception {
    URI uri = server.uri(name);
    WebSocketClient client =
        new WebSocketClient(uri) {
          @Override
          public void onOpen(ServerHandshake handshake) {}

          @Override
          public void onMessage(String message) {
            listener.onEvent(message);
          }

          @Override
          public void onClose(int code, String reason, boolean remote) {
            listener.onClosed();
          }

          @Override
          public void onError(Exception ex) {}
        };
    client.setDaemon(true); // a client thread left hung by a finding must not hold the JVM
    if (!client.connectBlocking(5, TimeUnit.SECONDS)) {
      throw new IllegalStateException("could not connect to " + uri);
    }
    org.java_websocket.WebSocket peer = server.peer(uri);
    return new Subject() {
      @Override
      public void fire(String event) {
        peer.send(event);
      }

      @Override
      public void close() throws InterruptedException {
        if (blocking) {
          client.closeBlocking();
        } else {
          client.close();
        }
      }
    };
  }

  @Override
  public ClosedNotification closedNotification() {
    return ClosedNotification.EXACTLY_ONCE;
  }

  @Override
  public boolean isSharedThread(Thread thread) {
    return LoopbackWebSocketServer.isServerThread(thread);
  }

  @Override
  public String toString() {
    return "Java-WebSocket 1.6.0 WebSocketClient (close = "
        + (blocking ? "closeBlocking())" : "close())");
  }
}
