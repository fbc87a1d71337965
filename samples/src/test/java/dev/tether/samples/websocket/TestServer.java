package dev.tether.samples.websocket;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.enums.Opcode;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.java_websocket.framing.PingFrame;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.WebSocketServer;

/**
 * A real WebSocket server (Java-WebSocket) on 127.0.0.1 and an ephemeral port. It records every
 * text message and echoes every message (texts only up to 1000 characters); a text message naming
 * a command makes it act instead:
 * <ul>
 *   <li>{@code flood:N} sends "0" .. "N-1" from a thread of its own, until the client goes away;
 *   <li>{@code burst-close:N} sends "0" .. "N-1", then closes with 4000 "bye";
 *   <li>{@code frag-text:T} sends T as one text message, one UTF-8 byte per frame;
 *   <li>{@code frag-binary:N} sends bytes 0 .. N-1 as one binary message in three frames;
 *   <li>{@code bad-ping} sends a ping with a 200-byte payload, a protocol error (limit 125).
 * </ul>
 */
final class TestServer implements AutoCloseable {
  /** How the server saw a connection end. */
  record Closed(int code, String reason, boolean byClient) {}

  private final Server server = new Server();
  final BlockingQueue<String> receivedTexts = new LinkedBlockingQueue<>();
  final BlockingQueue<Closed> closes = new LinkedBlockingQueue<>();

  private TestServer() {}

  static TestServer start() {
    TestServer test = new TestServer();
    test.server.setReuseAddr(true);
    test.server.start();
    Awaits.await(test.server.started, "the test server to start");
    Throwable failure = test.server.startFailure.get();
    if (failure != null) {
      fail("the test server did not start", failure);
    }
    return test;
  }

  /**
   * The server's side of a stalled test, for its failure message: floods started, how far the
   * latest got, connections, and the errors Java-WebSocket reported (its worker threads report a
   * failure there and then stop, which would stall every connection they serve).
   */
  String describe() {
    return "test server: "
        + server.floodsStarted.get()
        + " floods started, the latest sent "
        + server.lastFloodSent.get()
        + " messages; "
        + openConnections()
        + " connections open; errors "
        + server.errors;
  }

  URI uri() {
    return URI.create("ws://127.0.0.1:" + server.getPort() + "/");
  }

  /**
   * The connections whose channel the server has not closed yet (it closes one when it reads the
   * client's end of it, or on a failure). Not {@code getConnections().size()}: when a client
   * ends a connection just after the handshake, Java-WebSocket's selector thread can see the end
   * (and remove nothing, its issue #512) before its decoder thread, which wrote the 101 response
   * first, runs the open, which then adds an entry that nothing ever removes. The channel is
   * closed either way.
   */
  int openConnections() {
    int open = 0;
    for (WebSocket connection : server.getConnections()) {
      if (((WebSocketImpl) connection).getChannel().isOpen()) {
        open++;
      }
    }
    return open;
  }

  Closed awaitClose() throws InterruptedException {
    Closed closed = closes.poll(Awaits.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    assertNotNull(closed, "timed out waiting for the server to see a connection close");
    return closed;
  }

  @Override
  public void close() {
    try {
      server.stop((int) Awaits.TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail("interrupted while stopping the test server");
    }
  }

  private final class Server extends WebSocketServer {
    final CountDownLatch started = new CountDownLatch(1);
    final AtomicReference<Throwable> startFailure = new AtomicReference<>();
    final AtomicInteger floodsStarted = new AtomicInteger();
    final AtomicInteger lastFloodSent = new AtomicInteger();
    final Queue<String> errors = new ConcurrentLinkedQueue<>();

    Server() {
      super(new InetSocketAddress("127.0.0.1", 0));
    }

    @Override
    public void onStart() {
      started.countDown();
    }

    @Override
    public void onOpen(WebSocket conn, ClientHandshake handshake) {}

    @Override
    public void onClose(WebSocket conn, int code, String reason, boolean remote) {
      closes.add(new Closed(code, reason, remote));
    }

    @Override
    public void onError(WebSocket conn, Exception ex) {
      if (conn == null) { // the server itself failed, before or after start
        startFailure.compareAndSet(null, ex);
        started.countDown();
      } else {
        errors.add(conn.getRemoteSocketAddress() + ": " + ex + " caused by " + ex.getCause());
      }
    }

    @Override
    public void onMessage(WebSocket conn, String message) {
      receivedTexts.add(message);
      try {
        if (message.startsWith("flood:")) {
          int count = Integer.parseInt(message.substring("flood:".length()));
          lastFloodSent.set(0);
          floodsStarted.incrementAndGet();
          Thread flood =
              new Thread(() -> sendNumbers(conn, count, lastFloodSent), "test-server-flood");
          flood.setDaemon(true);
          flood.start();
        } else if (message.startsWith("burst-close:")) {
          sendNumbers(
              conn,
              Integer.parseInt(message.substring("burst-close:".length())),
              new AtomicInteger());
          conn.close(4000, "bye");
        } else if (message.startsWith("frag-text:")) {
          byte[] utf8 = message.substring("frag-text:".length()).getBytes(StandardCharsets.UTF_8);
          for (int i = 0; i < utf8.length; i++) {
            conn.sendFragmentedFrame(
                Opcode.TEXT, ByteBuffer.wrap(utf8, i, 1), i == utf8.length - 1);
          }
        } else if (message.startsWith("frag-binary:")) {
          int size = Integer.parseInt(message.substring("frag-binary:".length()));
          byte[] bytes = new byte[size];
          for (int i = 0; i < size; i++) {
            bytes[i] = (byte) i;
          }
          int third = size / 3;
          conn.sendFragmentedFrame(Opcode.BINARY, ByteBuffer.wrap(bytes, 0, third), false);
          conn.sendFragmentedFrame(Opcode.BINARY, ByteBuffer.wrap(bytes, third, third), false);
          conn.sendFragmentedFrame(
              Opcode.BINARY, ByteBuffer.wrap(bytes, 2 * third, size - 2 * third), true);
        } else if (message.equals("bad-ping")) {
          PingFrame ping = new PingFrame();
          ping.setPayload(ByteBuffer.allocate(200));
          conn.sendFrame(ping);
        } else if (message.length() <= 1000) {
          conn.send(message);
        }
      } catch (WebsocketNotConnectedException gone) {
        // the client closed meanwhile: nothing to answer
      }
    }

    @Override
    public void onMessage(WebSocket conn, ByteBuffer message) {
      try {
        conn.send(message);
      } catch (WebsocketNotConnectedException gone) {
        // as above
      }
    }

    private void sendNumbers(WebSocket conn, int count, AtomicInteger sent) {
      try {
        for (int i = 0; i < count && conn.isOpen(); i++) {
          conn.send(Integer.toString(i));
          sent.lazySet(i + 1);
        }
      } catch (WebsocketNotConnectedException gone) {
        // the client closed mid-stream: that is what the race tests do
      }
    }
  }
}
