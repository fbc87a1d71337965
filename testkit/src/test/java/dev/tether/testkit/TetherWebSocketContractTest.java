package dev.tether.testkit;

import dev.tether.Lifecycle;
import dev.tether.samples.websocket.TetherWebSocket;
import java.net.http.HttpClient;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;

/**
 * The whole battery against the samples' {@link TetherWebSocket} (Tether's adapter for the JDK's
 * WebSocket client) and a loopback Java-WebSocket server: every check passes.
 */
class TetherWebSocketContractTest implements ListenerLifecycleContract {
  private final Lifecycle app = Lifecycle.root("app");
  private final HttpClient http = HttpClient.newHttpClient();
  private final LoopbackWebSocketServer server;

  TetherWebSocketContractTest() throws InterruptedException {
    server = new LoopbackWebSocketServer();
  }

  @Override
  public SubjectFactory subjects() {
    return new SubjectFactory() {
      @Override
      public Subject open(String name, Listener listener) throws Exception {
        java.net.URI uri = server.uri(name);
        TetherWebSocket socket =
            TetherWebSocket.builder(app, http, uri).name(name).build().onText(listener::onEvent);
        socket.connect().get(5, TimeUnit.SECONDS);
        org.java_websocket.WebSocket peer = server.peer(uri);
        return new Subject() {
          @Override
          public void fire(String event) {
            peer.send(event);
          }

          @Override
          public void close() {
            socket.close();
          }

          @Override
          public Optional<Lifecycle> lifecycle() {
            return Optional.of(socket.lifecycle());
          }
        };
      }

      @Override
      public boolean isSharedThread(Thread thread) {
        // The JDK client's pool and Tether's default lane pool serve every socket.
        return thread.getName().startsWith("HttpClient-")
            || thread.getName().startsWith("tether-websocket-lane-")
            || LoopbackWebSocketServer.isServerThread(thread);
      }
    };
  }

  @Override
  public Budget budget() {
    return Budget.quick();
  }

  @AfterEach
  void closeAll() {
    app.close();
    server.close();
  }
}
