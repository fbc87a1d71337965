package dev.tether.testkit;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The adapter for the JDK's {@link java.net.http.WebSocket} client, used as its documentation
 * suggests: a listener that requests one message at a time, and {@code abort()} as the close (the
 * only call that ends the input side: {@code sendClose} closes the output only, and messages keep
 * arriving until the peer answers).
 *
 * <p>Instances are thread-safe; subjects are opened one at a time.
 */
final class JdkWebSocketSubjects implements SubjectFactory {
  private final HttpClient http = HttpClient.newHttpClient();
  private final LoopbackWebSocketServer server;

  JdkWebSocketSubjects(LoopbackWebSocketServer server) {
    this.server = server;
  }

  @Override
  public Subject open(String name, Listener listener) throws Exception {
    java.net.URI uri = server.uri(name);
    WebSocket socket =
        http.newWebSocketBuilder()
            .buildAsync(
                uri,
                new WebSocket.Listener() {
                  @Override
                  public CompletionStage<?> onText(
                      WebSocket from, CharSequence data, boolean last) {
                    try {
                      listener.onEvent(data.toString()); // messages are short: one frame each
                    } finally {
                      from.request(1); // the next message, even if the listener threw
                    }
                    return null;
                  }
                })
            .get(5, TimeUnit.SECONDS);
    org.java_websocket.WebSocket peer = server.peer(uri);
    return new Subject() {
      @Override
      public void fire(String event) {
        peer.send(event);
      }

      @Override
      public void close() {
        socket.abort();
      }
    };
  }

  @Override
  public boolean isSharedThread(Thread thread) {
    // The client's pool and selector serve every socket of the HttpClient.
    return thread.getName().startsWith("HttpClient-")
        || LoopbackWebSocketServer.isServerThread(thread);
  }

  @Override
  public String toString() {
    return "java.net.http.WebSocket (close = abort())";
  }
}
