package dev.tether.samples.websocket;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A WebSocket server that does nothing but the opening handshake and then reads nothing until
 * {@link #startReading()}: with its small receive buffer, a large client send stays pending for as
 * long as the test wants, which a real server cannot be made to do. Accepts one connection and
 * records every byte received after the handshake.
 */
final class RawPeer implements AutoCloseable {
  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  private final ServerSocket listener;
  private final CountDownLatch reading = new CountDownLatch(1);
  private final CountDownLatch ended = new CountDownLatch(1);
  private final ByteArrayOutputStream received = new ByteArrayOutputStream();
  private final AtomicReference<Socket> connection = new AtomicReference<>();
  private final Thread thread;

  RawPeer() throws IOException {
    listener = new ServerSocket();
    listener.setReceiveBufferSize(4096); // inherited by the accepted socket
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    thread = new Thread(this::serve, "raw-peer");
    thread.setDaemon(true);
    thread.start();
  }

  URI uri() {
    return URI.create("ws://127.0.0.1:" + listener.getLocalPort() + "/");
  }

  void startReading() {
    reading.countDown();
  }

  /** Everything the client sent after the handshake, once it closed the connection. */
  byte[] awaitEnd() {
    Awaits.await(ended, "the client to end the raw connection");
    synchronized (received) {
      return received.toByteArray();
    }
  }

  private void serve() {
    try (Socket socket = listener.accept()) {
      connection.set(socket);
      InputStream in = socket.getInputStream();
      handshake(in, socket.getOutputStream());
      Awaits.await(reading, "the test to let the raw peer read");
      byte[] buffer = new byte[64 * 1024];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        synchronized (received) {
          received.write(buffer, 0, n);
        }
      }
    } catch (IOException e) {
      // reset by the client's abort, or closed by close(): the recording ends either way
    } finally {
      ended.countDown();
    }
  }

  private static void handshake(InputStream in, OutputStream out) throws IOException {
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    while (!request.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the client closed during the handshake");
      }
      request.write(b);
    }
    String key = null;
    for (String line : request.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
      if (line.regionMatches(true, 0, "Sec-WebSocket-Key:", 0, 18)) {
        key = line.substring(18).trim();
      }
    }
    assertTrue(key != null, "no Sec-WebSocket-Key in " + request);
    String accept;
    try {
      accept =
          Base64.getEncoder()
              .encodeToString(
                  MessageDigest.getInstance("SHA-1")
                      .digest((key + GUID).getBytes(StandardCharsets.ISO_8859_1)));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
    out.write(
        ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Accept: "
                + accept
                + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /**
   * The status code of the close frame that ends {@code stream}, or -1 if it does not end with
   * one. A client's close frame with a code and no reason is 8 bytes: 0x88, 0x82 (masked, length
   * 2), the 4-byte mask, the masked code.
   */
  static int trailingCloseCode(byte[] stream) {
    int at = stream.length - 8;
    if (at < 0 || stream[at] != (byte) 0x88 || stream[at + 1] != (byte) 0x82) {
      return -1;
    }
    int high = (stream[at + 6] ^ stream[at + 2]) & 0xff;
    int low = (stream[at + 7] ^ stream[at + 3]) & 0xff;
    return high << 8 | low;
  }

  /**
   * The text messages in a client's frame {@code stream} (masked frames; a message's fragments
   * joined), in order, up to a close frame or the first frame the stream does not hold whole.
   * Binary messages are skipped.
   */
  static List<String> textMessages(byte[] stream) {
    List<String> messages = new ArrayList<>();
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    boolean inText = false; // whether continuation frames belong to a text message
    int at = 0;
    while (stream.length - at >= 2) {
      int opcode = stream[at] & 0x0f;
      boolean last = (stream[at] & 0x80) != 0;
      boolean masked = (stream[at + 1] & 0x80) != 0;
      long length = stream[at + 1] & 0x7f;
      int header = 2;
      if (length == 126) {
        header = 4;
      } else if (length == 127) {
        header = 10;
      }
      if (stream.length - at < header + (masked ? 4 : 0)) {
        break;
      }
      if (header > 2) {
        length = 0;
        for (int i = at + 2; i < at + header; i++) {
          length = length << 8 | (stream[i] & 0xff);
        }
      }
      int mask = at + header;
      int payload = mask + (masked ? 4 : 0);
      if (opcode == 0x8 || length < 0 || stream.length - payload < length) {
        break; // a close frame, a length over 2^63 (RFC 6455 forbids it), or a partial frame
      }
      if (opcode == 0x1 || opcode == 0x2) {
        inText = opcode == 0x1;
      }
      if (inText && (opcode == 0x1 || opcode == 0x0)) {
        for (int i = 0; i < length; i++) {
          message.write(stream[payload + i] ^ (masked ? stream[mask + i % 4] : 0));
        }
        if (last) {
          messages.add(message.toString(StandardCharsets.UTF_8));
          message.reset();
        }
      }
      at = payload + (int) length;
    }
    return messages;
  }

  @Override
  public void close() throws IOException {
    reading.countDown();
    listener.close();
    Socket socket = connection.get();
    if (socket != null) {
      socket.close();
    }
    Awaits.join(thread, "the raw peer's thread");
  }
}
