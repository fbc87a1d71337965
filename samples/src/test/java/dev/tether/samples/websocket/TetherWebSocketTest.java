package dev.tether.samples.websocket;

import static dev.tether.samples.websocket.Awaits.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.CallbackErrorHandler;
import dev.tether.Delivery;
import dev.tether.Lifecycle;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ProtocolException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TetherWebSocket against a real WebSocket server on loopback. The race tests repeat a close
 * racing a flood of incoming messages and count listener calls that start, or are still running,
 * after {@code close()} returned: the guarantee says there are none.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TetherWebSocketTest {
  private static final HttpClient CLIENT = HttpClient.newHttpClient();
  private static final int ROUNDS = 30;
  private static final int FLOOD = 5_000;

  private TestServer server;
  private Lifecycle app;

  @BeforeEach
  void startServer() {
    server = TestServer.start();
    app = Lifecycle.root("app");
  }

  @AfterEach
  void stopServer() {
    try {
      app.close();
    } finally {
      server.close();
    }
  }

  private TetherWebSocket connect(TetherWebSocket socket) throws ExecutionException {
    assertSame(socket, Awaits.get(socket.connect(), "connect"));
    return socket;
  }

  // ---- messages ----

  @Test
  void sendText_echoed_arrivesAsOneMessage() throws Exception {
    BlockingQueue<String> texts = new LinkedBlockingQueue<>();
    TetherWebSocket socket = TetherWebSocket.create(app, CLIENT, server.uri()).onText(texts::add);
    connect(socket);
    assertTrue(socket.isOpen());

    Awaits.get(socket.sendText(new StringBuilder("hello")), "send");

    assertEquals("hello", texts.poll(Awaits.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
  }

  @Test
  void sendBinary_echoed_arrivesAsCopyAndLeavesCallerBufferAlone() throws Exception {
    BlockingQueue<ByteBuffer> messages = new LinkedBlockingQueue<>();
    TetherWebSocket socket =
        TetherWebSocket.create(app, CLIENT, server.uri()).onBinary(messages::add);
    connect(socket);
    ByteBuffer data = ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5});
    data.position(1);

    CompletableFuture<Void> sent = socket.sendBinary(data);
    data.put(1, (byte) 99); // reusing the buffer at once must not change what is sent
    Awaits.get(sent, "send");

    assertEquals(1, data.position(), "the caller's position is unchanged");
    ByteBuffer echoed = messages.poll(Awaits.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    assertNotNull(echoed);
    byte[] bytes = new byte[echoed.remaining()];
    echoed.get(bytes);
    assertArrayEquals(new byte[] {2, 3, 4, 5}, bytes);
  }

  @Test
  void onText_fragmentsSplitInsideUtf8Characters_isReassembled() throws Exception {
    String text = "h\u00e9llo w\u00f6rld \u20ac \uD834\uDD1E!"; // 2-, 3- and 4-byte characters
    List<String> texts = new CopyOnWriteArrayList<>();
    TetherWebSocket socket = TetherWebSocket.create(app, CLIENT, server.uri()).onText(texts::add);
    connect(socket);

    socket.sendText("frag-text:" + text);
    socket.sendText("after");

    await().until(() -> texts.size() == 2);
    assertEquals(List.of(text, "after"), texts, "one whole message, then the next");
  }

  @Test
  void onBinary_fragmented_isReassembledAndEachMessageIsItsOwnCopy() throws Exception {
    List<ByteBuffer> messages = new CopyOnWriteArrayList<>();
    TetherWebSocket socket =
        TetherWebSocket.create(app, CLIENT, server.uri()).onBinary(messages::add);
    connect(socket);

    socket.sendText("frag-binary:300");
    socket.sendText("frag-binary:30");

    await().until(() -> messages.size() == 2);
    assertMessage(300, messages.get(0));
    assertMessage(30, messages.get(1));
  }

  /** Regression: a reassembled buffer had spare capacity, so clear() exposed stale bytes. */
  @Test
  void onBinary_fragmented_deliveredBufferCapacityIsTheMessageLength() throws Exception {
    List<ByteBuffer> messages = new CopyOnWriteArrayList<>();
    TetherWebSocket socket =
        TetherWebSocket.create(app, CLIENT, server.uri()).onBinary(messages::add);
    connect(socket);

    socket.sendText("frag-binary:300"); // frames of 100: a doubling buffer would reach 400

    await().until(() -> messages.size() == 1);
    ByteBuffer message = messages.get(0);
    assertEquals(0, message.position());
    assertEquals(300, message.limit());
    assertEquals(300, message.capacity(), "clear() would expose bytes past the message");
    message.clear();
    assertEquals(300, message.remaining(), "after clear()");
  }

  /**
   * Regression: assembly had no bound, so a peer could fragment one message until the client ran
   * out of memory. The limit counts UTF-8 bytes: 51 two-byte characters are over a limit of 100.
   */
  @Test
  void onText_fragmentedOverMaxMessageBytes_onErrorNamesPathAndLimitThenAbortedAndClosed()
      throws Exception {
    List<String> texts = new CopyOnWriteArrayList<>();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    TetherWebSocket socket =
        TetherWebSocket.builder(app, CLIENT, server.uri())
            .maxMessageBytes(100)
            .build()
            .onText(texts::add)
            .onError(errors::add);
    connect(socket);
    String atLimit = "\u00e9".repeat(50); // 100 UTF-8 bytes, one a frame

    socket.sendText("frag-text:" + atLimit);
    socket.sendText("frag-text:" + atLimit + "\u00e9");

    assertTooLarge(socket, errors, "100 bytes");
    assertEquals(List.of(atLimit), texts, "the message at the limit, and not the one over it");
  }

  @Test
  void onBinary_fragmentedOverMaxMessageBytes_onErrorNamesPathAndLimitThenAbortedAndClosed()
      throws Exception {
    List<ByteBuffer> messages = new CopyOnWriteArrayList<>();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    TetherWebSocket socket =
        TetherWebSocket.builder(app, CLIENT, server.uri())
            .maxMessageBytes(300)
            .build()
            .onBinary(messages::add)
            .onError(errors::add);
    connect(socket);

    socket.sendText("frag-binary:300");
    socket.sendText("frag-binary:301");

    assertTooLarge(socket, errors, "300 bytes");
    assertEquals(1, messages.size(), "the message at the limit, and not the one over it");
    assertMessage(300, messages.get(0));
  }

  @Test
  void onText_wholeFrameOverMaxMessageBytes_onErrorThenAbortedAndClosed() throws Exception {
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    AtomicInteger texts = new AtomicInteger();
    TetherWebSocket socket =
        TetherWebSocket.builder(app, CLIENT, server.uri())
            .maxMessageBytes(100)
            .build()
            .onText(text -> texts.incrementAndGet())
            .onError(errors::add);
    connect(socket);

    socket.sendText("x".repeat(101)); // echoed in one frame

    assertTooLarge(socket, errors, "100 bytes");
    assertEquals(0, texts.get());
  }

  private void assertTooLarge(TetherWebSocket socket, List<Throwable> errors, String limit)
      throws InterruptedException {
    await().until(() -> socket.lifecycle().state() == Lifecycle.State.CLOSED);
    assertEquals(1, errors.size(), errors.toString());
    assertInstanceOf(ProtocolException.class, errors.get(0));
    String message = errors.get(0).getMessage();
    assertTrue(
        message.contains("'" + socket.lifecycle().path() + "'")
            && message.contains("maxMessageBytes (" + limit + ")"),
        message);
    assertEquals(1006, server.awaitClose().code(), "aborted, no close frame");
  }

  private static void assertMessage(int size, ByteBuffer message) {
    assertEquals(size, message.remaining());
    for (int i = 0; i < size; i++) {
      assertEquals((byte) i, message.get(message.position() + i), "byte " + i);
    }
  }

  /**
   * The credit rule: a whole message holds one credit from its arrival until its listener call
   * returns, so while a call runs at most {@code receiveWindow - 1} more messages are queued on
   * the lane. The listener is slow on purpose: each call waits until the JDK has filled the
   * window behind it (or no more messages are coming), so a rule that gave credit back early, or
   * no flow control at all, would show as a longer queue; and the window must fill exactly.
   */
  @ParameterizedTest(name = "receiveWindow {0}")
  @ValueSource(ints = {1, 4, 16})
  void manyMessages_allDeliveredInOrder_underFlowControl(int window) throws Exception {
    int count = 2_000;
    List<String> texts = new ArrayList<>(); // the lane's calls never overlap
    AtomicInteger received = new AtomicInteger();
    AtomicInteger mostQueued = new AtomicInteger(-1);
    List<Throwable> listenerFailures = new CopyOnWriteArrayList<>();
    AtomicReference<Delivery> lane = new AtomicReference<>();
    TetherWebSocket socket =
        TetherWebSocket.builder(app, CLIENT, server.uri())
            .receiveWindow(window)
            .callbackErrorHandler((slot, error) -> listenerFailures.add(error))
            .build()
            .onText(
                text -> {
                  int behind = Math.min(window - 1, count - 1 - texts.size());
                  Awaits.awaitInListener().until(() -> lane.get().queuedCount() >= behind);
                  mostQueued.accumulateAndGet(lane.get().queuedCount(), Math::max);
                  texts.add(text);
                  received.incrementAndGet(); // publishes texts and mostQueued to the test thread
                });
    lane.set(socket.lifecycle().delivery());
    connect(socket);

    socket.sendText("flood:" + count);

    await().until(() -> received.get() == count || !listenerFailures.isEmpty());
    assertEquals(List.of(), listenerFailures, "a listener call failed or timed out");
    for (int i = 0; i < count; i++) {
      assertEquals(Integer.toString(i), texts.get(i));
    }
    assertEquals(
        window - 1,
        mostQueued.get(),
        "messages queued behind a running listener call: more breaks flow control, fewer "
            + "means the window was never used in full");
  }

  @Test
  void sendText_fromManyThreads_allSentInEachThreadsOrder() throws Exception {
    TetherWebSocket socket = connect(TetherWebSocket.create(app, CLIENT, server.uri()));
    int threads = 4;
    int perThread = 250;
    List<CompletableFuture<Void>> sends = new CopyOnWriteArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> senders = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread sender =
          new Thread(
              () -> {
                Awaits.await(start, "start");
                for (int i = 0; i < perThread; i++) {
                  sends.add(socket.sendText(id + ":" + i));
                }
              });
      sender.start();
      senders.add(sender);
    }
    start.countDown();
    for (Thread sender : senders) {
      Awaits.join(sender, "sender");
    }

    Awaits.get(CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)), "all sends");
    await().until(() -> server.receivedTexts.size() == threads * perThread);
    int[] next = new int[threads];
    for (String text : server.receivedTexts) {
      String[] parts = text.split(":");
      int id = Integer.parseInt(parts[0]);
      assertEquals(next[id]++, Integer.parseInt(parts[1]), "order of thread " + id);
    }
  }

  @Test
  void onText_listenerThrows_goesToErrorHandlerAndDeliveryGoesOn() throws Exception {
    List<String> failures = new CopyOnWriteArrayList<>();
    List<String> texts = new CopyOnWriteArrayList<>();
    TetherWebSocket socket =
        TetherWebSocket.builder(app, CLIENT, server.uri())
            .callbackErrorHandler(
                (slot, error) -> failures.add(slot.name() + ": " + error.getMessage()))
            .build()
            .onText(
                text -> {
                  if (text.equals("boom")) {
                    throw new IllegalStateException("listener failed");
                  }
                  texts.add(text);
                });
    connect(socket);

    socket.sendText("boom");
    socket.sendText("ok");

    await().until(() -> texts.size() == 1);
    assertEquals(List.of("ok"), texts);
    assertEquals(1, failures.size(), failures::toString);
    assertTrue(
        failures.get(0).matches("app/websocket-\\d+/onText: listener failed"),
        failures::toString); // the slot is named with its node's path
    assertTrue(socket.isOpen());
  }

  // ---- the peer ends it ----

  @Test
  void onClose_remoteClose_firesOnceWithCodeAndReasonAfterEarlierMessagesThenNodeCloses()
      throws Exception {
    AtomicInteger texts = new AtomicInteger();
    List<String> closes = new CopyOnWriteArrayList<>();
    TetherWebSocket socket =
        TetherWebSocket.create(app, CLIENT, server.uri())
            .onText(text -> texts.incrementAndGet())
            .onClose((code, reason) -> closes.add(code + " " + reason + " after " + texts.get()));
    connect(socket);

    socket.sendText("burst-close:50");

    await().until(() -> socket.lifecycle().state() == Lifecycle.State.CLOSED);
    assertEquals(List.of("4000 bye after 50"), closes, "once, after every earlier message");
    assertFalse(socket.isOpen());
    assertTrue(socket.closeFuture().isDone());
    assertTrue(app.children().isEmpty(), "the closed node left its parent");
    ExecutionException refused =
        assertThrows(ExecutionException.class, () -> Awaits.get(socket.sendText("x"), "send"));
    assertInstanceOf(IllegalStateException.class, refused.getCause());
    assertTrue(
        refused.getCause().getMessage().contains("app/websocket-"),
        refused.getCause().getMessage());
  }

  @Test
  void onError_protocolError_firesOnceThenNodeCloses() throws Exception {
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    AtomicInteger closes = new AtomicInteger();
    TetherWebSocket socket =
        TetherWebSocket.create(app, CLIENT, server.uri())
            .onError(errors::add)
            .onClose((code, reason) -> closes.incrementAndGet());
    connect(socket);

    socket.sendText("bad-ping");

    await().until(() -> socket.lifecycle().state() == Lifecycle.State.CLOSED);
    assertEquals(1, errors.size(), errors.toString());
    assertInstanceOf(ProtocolException.class, errors.get(0));
    assertEquals(0, closes.get(), "onError and onClose are exclusive");
  }

  @Test
  void close_fromInsideOnClose_returns() throws Exception {
    CountDownLatch closeReturned = new CountDownLatch(1);
    AtomicReference<TetherWebSocket> self = new AtomicReference<>();
    TetherWebSocket socket =
        TetherWebSocket.create(app, CLIENT, server.uri())
            .onClose(
                (code, reason) -> {
                  self.get().close();
                  closeReturned.countDown();
                });
    self.set(socket);
    connect(socket);

    socket.sendText("burst-close:0");

    Awaits.await(closeReturned, "close() inside onClose to return");
    await().until(() -> socket.lifecycle().state() == Lifecycle.State.CLOSED);
  }

  // ---- this side ends it ----

  @Test
  void close_open_sendsCloseFrameAndRefusesLaterSends() throws Exception {
    TetherWebSocket socket = connect(TetherWebSocket.create(app, CLIENT, server.uri()));

    socket.close();

    assertEquals(Lifecycle.State.CLOSED, socket.lifecycle().state());
    assertFalse(socket.isOpen());
    TestServer.Closed closed = server.awaitClose();
    assertEquals(1000, closed.code(), closed.toString());
    assertTrue(closed.byClient(), closed.toString());
    ExecutionException refused =
        assertThrows(ExecutionException.class, () -> Awaits.get(socket.sendText("x"), "send"));
    assertInstanceOf(IllegalStateException.class, refused.getCause());
    assertTrue(
        refused.getCause().getMessage().contains(socket.lifecycle().path() + "' is closed"),
        refused.getCause().getMessage());
    socket.close(); // idempotent
  }

  @Test
  void close_withSendsQueued_everySendCompletesOrFailsInOrder() throws Exception {
    // A peer that reads nothing until told: with a real server the sends could all go out before
    // close() (they are written on the caller's thread while the peer keeps up), as CI once saw.
    try (RawPeer peer = new RawPeer()) {
      TetherWebSocket socket =
          TetherWebSocket.builder(app, CLIENT, peer.uri())
              .closeTimeout(Duration.ZERO) // abort at once: the queued sends cannot all go out
              .build();
      connect(socket);
      List<CompletableFuture<Void>> sends = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        sends.add(socket.sendText(i + ":small"));
      }
      Awaits.get(sends.get(3), "the small sends, which the socket buffers take");
      String payload = "x".repeat(1 << 20);
      for (int i = 4; i < 36; i++) { // 32 MiB more: far more than the buffers take
        sends.add(socket.sendText(i + ":" + payload));
      }

      socket.close();

      int sent = 0;
      int failed = 0;
      for (CompletableFuture<Void> send : sends) {
        try {
          Awaits.get(send, "a send queued before close");
          assertEquals(0, failed, "a send succeeded after one that failed");
          sent++;
        } catch (ExecutionException e) {
          assertInstanceOf(IOException.class, e.getCause(), e.toString());
          failed++;
        }
      }
      assertTrue(failed > 0, "every send went out, into a peer that reads nothing");
      // The abort ends the connection with a FIN behind the bytes already in the socket, not a
      // reset that would drop them: the client has no unread input (the peer sent only its 101).
      peer.startReading();
      List<String> received = RawPeer.textMessages(peer.awaitEnd());
      assertTrue(
          received.size() >= sent,
          sent + " sends succeeded, but the peer received " + received.size() + " messages");
      for (int i = 0; i < received.size(); i++) {
        assertTrue(received.get(i).startsWith(i + ":"), "message " + i + " out of order");
      }
    }
  }

  @Test
  void close_insideSendCompletion_sendsCloseFrameWithoutWaitingForItself() throws Exception {
    try (RawPeer peer = new RawPeer()) {
      TetherWebSocket socket =
          TetherWebSocket.builder(app, CLIENT, peer.uri())
              .closeTimeout(Duration.ofMinutes(1)) // longer than any wait here: a stall fails
              .build();
      connect(socket);
      CompletableFuture<Void> big = socket.sendText("x".repeat(8 << 20)); // pending: no reader
      // Queued behind it, so its completion, and close(), run inside the send queue's drain.
      CompletableFuture<Void> closed = socket.sendText("last").thenRun(socket::close);
      assertFalse(big.isDone(), "the peer's buffers took 8 MiB: nothing was queued");

      peer.startReading();

      Awaits.get(closed, "close() inside the completion of a send");
      assertEquals(1000, RawPeer.trailingCloseCode(peer.awaitEnd()), "the close frame went out");
    }
  }

  @Test
  void close_peerNotReading_abortsAfterCloseTimeoutAndFailsPendingSend() throws Exception {
    try (RawPeer peer = new RawPeer()) {
      Duration closeTimeout = Duration.ofMillis(300);
      TetherWebSocket socket =
          TetherWebSocket.builder(app, CLIENT, peer.uri()).closeTimeout(closeTimeout).build();
      connect(socket);
      CompletableFuture<Void> big = socket.sendText("x".repeat(8 << 20)); // pending: no reader
      assertFalse(big.isDone(), "the peer's buffers took 8 MiB: nothing is pending");

      long start = System.nanoTime();
      socket.close();
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertTrue(took.compareTo(closeTimeout) >= 0, "close() gave up early: " + took);
      ExecutionException failed =
          assertThrows(ExecutionException.class, () -> Awaits.get(big, "the pending send"));
      assertInstanceOf(IOException.class, failed.getCause(), failed.toString());
      peer.startReading();
      assertEquals(-1, RawPeer.trailingCloseCode(peer.awaitEnd()), "no close frame could go");
    }
  }

  @Test
  void close_listenerRunning_waitsForIt() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean closeReturned = new AtomicBoolean();
    AtomicBoolean closeReturnedWhileRunning = new AtomicBoolean(true);
    TetherWebSocket socket =
        TetherWebSocket.create(app, CLIENT, server.uri())
            .onText(
                text -> {
                  entered.countDown();
                  Awaits.await(release, "the test to release the listener");
                  closeReturnedWhileRunning.set(closeReturned.get());
                });
    connect(socket);
    socket.sendText("x");
    Awaits.await(entered, "the listener to start");

    Thread closer =
        new Thread(
            () -> {
              socket.close();
              closeReturned.set(true);
            },
            "closer");
    closer.start();
    await()
        .until(
            () ->
                closeReturned.get()
                    || closer.getState() == Thread.State.WAITING
                    || closer.getState() == Thread.State.TIMED_WAITING);
    release.countDown();
    Awaits.join(closer, "close()");

    assertFalse(closeReturnedWhileRunning.get(), "close() returned while the listener ran");
    assertEquals(Lifecycle.State.CLOSED, socket.lifecycle().state());
  }

  /**
   * The problem the issue reports, without Tether: the JDK's {@code abort()} returns while a
   * listener call is still running user code, so an application that tears its state down after
   * {@code abort()} races its own listener. Deterministic: the listener is held inside
   * {@code onText} until abort() has returned.
   */
  @Test
  void abort_jdkWebSocketAlone_returnsWhileListenerStillRuns() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean inListener = new AtomicBoolean();
    WebSocket raw =
        Awaits.get(
            CLIENT
                .newWebSocketBuilder()
                .buildAsync(
                    server.uri(),
                    new WebSocket.Listener() {
                      @Override
                      public CompletionStage<?> onText(
                          WebSocket ws, CharSequence data, boolean last) {
                        inListener.set(true);
                        entered.countDown();
                        Awaits.await(release, "the test to release the listener");
                        inListener.set(false);
                        return null;
                      }
                    }),
            "raw connect");
    try {
      raw.sendText("x", true);
      Awaits.await(entered, "the listener to start");

      raw.abort();

      assertTrue(inListener.get(), "abort() returned while user code still runs in onText");
    } finally {
      release.countDown();
    }
  }

  /** The default lane, a lane drained by the JDK's threads, and no lane at all. */
  private static TetherWebSocket.Builder withDelivery(
      TetherWebSocket.Builder builder, String delivery) {
    switch (delivery) {
      case "default":
        return builder;
      case "serial":
        return builder.delivery(Delivery.serial());
      case "inline":
        return builder.delivery(Delivery.inline());
      default:
        throw new IllegalArgumentException(delivery);
    }
  }

  @ParameterizedTest(name = "delivery {0}")
  @ValueSource(strings = {"default", "serial", "inline"})
  void closeFromOtherThread_racingFlood_noListenerRunsAfterCloseReturns(String delivery)
      throws Exception {
    int midStream = 0;
    for (int round = 0; round < ROUNDS; round++) {
      LateCalls late = new LateCalls();
      int closeAt = ThreadLocalRandom.current().nextInt(1, 500);
      CountDownLatch reached = new CountDownLatch(1);
      AtomicInteger received = new AtomicInteger();
      TetherWebSocket socket =
          withDelivery(TetherWebSocket.builder(app, CLIENT, server.uri()), delivery)
              .callbackErrorHandler(late.errorHandler())
              .build()
              .onText(
                  late.watch(
                      text -> {
                        if (received.incrementAndGet() == closeAt) {
                          reached.countDown();
                        }
                      }))
              .onClose(late.watchClose())
              .onError(late.errorListener());
      connect(socket);
      socket.sendText("flood:" + FLOOD);
      int thisRound = round;
      Awaits.await(
          reached,
          "message " + closeAt,
          () -> late.explain(delivery, thisRound, socket, received.get(), server));

      socket.close();
      late.closeReturned();
      Lifecycle.State state = socket.lifecycle().state();

      int seen = received.get();
      server.awaitClose(); // the JDK side is done: late calls had their chance
      late.assertNone(round);
      assertEquals(Lifecycle.State.CLOSED, state, "round " + round);
      assertEquals(seen, received.get(), "round " + round + ": a message arrived after close");
      if (seen < FLOOD) {
        midStream++;
      }
    }
    assertTrue(midStream > 0, "no round closed while messages were still coming");
  }

  @ParameterizedTest(name = "delivery {0}")
  @ValueSource(strings = {"default", "serial", "inline"})
  void closeFromInsideOnText_racingFlood_returnsAndNothingRunsAfter(String delivery)
      throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      LateCalls late = new LateCalls();
      int closeAt = ThreadLocalRandom.current().nextInt(1, 500);
      CountDownLatch closeReturned = new CountDownLatch(1);
      AtomicInteger received = new AtomicInteger();
      AtomicReference<TetherWebSocket> self = new AtomicReference<>();
      TetherWebSocket socket =
          withDelivery(TetherWebSocket.builder(app, CLIENT, server.uri()), delivery)
              .callbackErrorHandler(late.errorHandler())
              .build()
              .onText(
                  late.watch(
                      text -> {
                        if (received.incrementAndGet() == closeAt) {
                          self.get().close();
                          late.closeReturnedInsideThisCall();
                          closeReturned.countDown();
                        }
                      }))
              .onClose(late.closeRecorder())
              .onError(late.errorListener());
      self.set(socket);
      connect(socket);
      socket.sendText("flood:" + FLOOD);

      int thisRound = round;
      Awaits.await(
          closeReturned,
          "close() from inside onText at message " + closeAt + " to return",
          () -> late.explain(delivery, thisRound, socket, received.get(), server));
      await().until(() -> socket.lifecycle().state() == Lifecycle.State.CLOSED);
      server.awaitClose();
      late.assertNone(round);
      assertEquals(closeAt, received.get(), "round " + round + ": a message arrived after close");
    }
  }

  @Test
  void close_fromTwoThreadsRacingFlood_bothReturnAfterListenersStopped() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      LateCalls late = new LateCalls();
      CountDownLatch reached = new CountDownLatch(1);
      AtomicInteger received = new AtomicInteger();
      TetherWebSocket socket =
          TetherWebSocket.create(app, CLIENT, server.uri())
              .onText(
                  late.watch(
                      text -> {
                        if (received.incrementAndGet() == 100) {
                          reached.countDown();
                        }
                      }));
      connect(socket);
      socket.sendText("flood:" + FLOOD);
      Awaits.await(reached, "message 100");

      CountDownLatch go = new CountDownLatch(1);
      List<Thread> closers = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        Thread closer =
            new Thread(
                () -> {
                  Awaits.await(go, "go");
                  socket.close();
                  late.closeReturned();
                  if (socket.lifecycle().state() != Lifecycle.State.CLOSED) {
                    late.fail(
                        Thread.currentThread().getName() + ": close() returned before CLOSED");
                  }
                },
                "closer-" + i);
        closer.setUncaughtExceptionHandler((t, e) -> late.fail(t.getName() + ": " + e));
        closer.start();
        closers.add(closer);
      }
      go.countDown();
      for (Thread closer : closers) {
        Awaits.join(closer, "close() on " + closer.getName());
      }

      server.awaitClose();
      late.assertNone(round);
    }
  }

  @Test
  void close_ofTheParentNode_closesSocketAndNoListenerRunsAfter() throws Exception {
    LateCalls late = new LateCalls();
    Lifecycle session = app.child("session");
    CountDownLatch reached = new CountDownLatch(1);
    AtomicInteger received = new AtomicInteger();
    TetherWebSocket socket =
        TetherWebSocket.builder(session, CLIENT, server.uri())
            .name("feed")
            .build()
            .onText(
                late.watch(
                    text -> {
                      if (received.incrementAndGet() == 10) {
                        reached.countDown();
                      }
                    }));
    connect(socket);
    assertEquals("app/session/feed", socket.lifecycle().path());
    socket.sendText("flood:" + FLOOD);
    Awaits.await(reached, "message 10");

    app.close();
    late.closeReturned();

    assertEquals(Lifecycle.State.CLOSED, socket.lifecycle().state());
    assertFalse(socket.isOpen());
    server.awaitClose();
    late.assertNone(0);
  }

  // ---- connecting ----

  @Test
  void connect_refused_failsFutureAndClosesNode() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort(); // nothing listens there once it is closed
    }
    TetherWebSocket socket =
        TetherWebSocket.create(app, CLIENT, URI.create("ws://127.0.0.1:" + port + "/"));

    ExecutionException failed =
        assertThrows(ExecutionException.class, () -> Awaits.get(socket.connect(), "connect"));

    assertInstanceOf(IOException.class, failed.getCause(), failed.toString());
    assertEquals(
        Lifecycle.State.CLOSED,
        socket.lifecycle().state(),
        "the node is closed before the future fails");
  }

  /**
   * Regression: with the node closing when the handshake completed, the JDK's onOpen was refused
   * by the node, but the handshake's completion then found the socket recorded and completed the
   * future normally. Deterministic: a child whose close is held keeps the node CLOSING (children
   * close first) for the whole handshake.
   */
  @Test
  void connect_closeBeganBeforeOpen_failsFutureAndAbortsWithoutCloseFrame() throws Exception {
    TetherWebSocket socket =
        TetherWebSocket.builder(app, CLIENT, server.uri())
            .closeTimeout(Duration.ofMinutes(1)) // a close-frame wait would show as a stall
            .build();
    CountDownLatch childClosing = new CountDownLatch(1);
    CountDownLatch releaseChild = new CountDownLatch(1);
    socket
        .lifecycle()
        .child("held")
        .own(
            () -> {
              childClosing.countDown();
              Awaits.await(releaseChild, "the test to release the child's close");
            });
    Thread closer = new Thread(socket::close, "closer");
    closer.start();
    try {
      Awaits.await(childClosing, "close() to reach the held child");
      assertEquals(Lifecycle.State.CLOSING, socket.lifecycle().state());

      ExecutionException failed =
          assertThrows(ExecutionException.class, () -> Awaits.get(socket.connect(), "connect"));

      assertInstanceOf(IllegalStateException.class, failed.getCause(), failed.toString());
      assertTrue(
          failed.getCause().getMessage().contains(socket.lifecycle().path()),
          failed.getCause().getMessage());
      assertFalse(socket.isOpen());
      assertEquals(1006, server.awaitClose().code(), "aborted, no close frame");
      assertEquals(
          Lifecycle.State.CLOSING,
          socket.lifecycle().state(),
          "the future failed while the close was still held, not by the close's end");
    } finally {
      releaseChild.countDown();
      Awaits.join(closer, "close()");
    }
    assertEquals(Lifecycle.State.CLOSED, socket.lifecycle().state());
  }

  @Test
  void close_whileConnecting_leavesNoConnectionBehind() throws Exception {
    for (int round = 0; round < 10; round++) {
      TetherWebSocket socket = TetherWebSocket.create(app, CLIENT, server.uri());
      CompletableFuture<TetherWebSocket> connecting = socket.connect();

      socket.close();

      try {
        Awaits.get(connecting, "connect"); // it may have opened just before the close
      } catch (ExecutionException e) {
        assertInstanceOf(IllegalStateException.class, e.getCause());
      }
      assertEquals(Lifecycle.State.CLOSED, socket.lifecycle().state());
      assertFalse(socket.isOpen());
    }
    await().until(() -> server.openConnections() == 0);
  }

  @Test
  void close_insideConnectCompletion_sendsCloseFrameWithoutStalling() throws Exception {
    TetherWebSocket socket =
        TetherWebSocket.builder(app, CLIENT, server.uri())
            .closeTimeout(Duration.ofMinutes(1)) // longer than any wait here: a stall fails
            .build();

    Awaits.get(socket.connect().thenAccept(TetherWebSocket::close), "connect, then close");

    assertEquals(Lifecycle.State.CLOSED, socket.lifecycle().state());
    assertEquals(1000, server.awaitClose().code(), "the close frame went out");
  }

  @Test
  void everyPublicMethod_misused_isReportedClearly() throws Exception {
    TetherWebSocket socket = TetherWebSocket.create(app, CLIENT, server.uri());
    ExecutionException early =
        assertThrows(ExecutionException.class, () -> Awaits.get(socket.sendText("x"), "send"));
    assertTrue(early.getCause().getMessage().contains("not connected"), early.toString());

    connect(socket);

    IllegalStateException late =
        assertThrows(IllegalStateException.class, () -> socket.onText(text -> {}));
    assertTrue(late.getMessage().contains(socket.lifecycle().path()), late.getMessage());
    assertThrows(IllegalStateException.class, socket::connect);
    assertThrows(
        IllegalArgumentException.class,
        () -> TetherWebSocket.create(app, CLIENT, URI.create("http://127.0.0.1/")));
    assertThrows(
        IllegalArgumentException.class,
        () -> TetherWebSocket.builder(app, CLIENT, server.uri()).receiveWindow(0));
    assertThrows(
        IllegalArgumentException.class,
        () -> TetherWebSocket.builder(app, CLIENT, server.uri()).maxMessageBytes(0));
    app.close();
    IllegalStateException closedParent =
        assertThrows(
            IllegalStateException.class, () -> TetherWebSocket.create(app, CLIENT, server.uri()));
    assertTrue(closedParent.getMessage().contains("app"), closedParent.getMessage());
  }

  @Test
  void everyPublicMethod_nullArgument_throwsNullPointerExceptionNamingTheParameter() {
    URI uri = server.uri();
    assertNpe("parent", () -> TetherWebSocket.create(null, CLIENT, uri));
    assertNpe("client", () -> TetherWebSocket.create(app, null, uri));
    assertNpe("uri", () -> TetherWebSocket.create(app, CLIENT, null));
    TetherWebSocket.Builder builder = TetherWebSocket.builder(app, CLIENT, uri);
    assertNpe("name", () -> builder.name(null));
    assertNpe("delivery", () -> builder.delivery(null));
    assertNpe("handler", () -> builder.callbackErrorHandler(null));
    assertNpe("timeout", () -> builder.closeTimeout(null));
    assertNpe("timeout", () -> builder.connectTimeout(null));
    TetherWebSocket socket = builder.build();
    assertNpe("listener", () -> socket.onText(null));
    assertNpe("listener", () -> socket.onBinary(null));
    assertNpe("listener", () -> socket.onClose(null));
    assertNpe("listener", () -> socket.onError(null));
    assertNpe("text", () -> socket.sendText(null));
    assertNpe("data", () -> socket.sendBinary(null));
  }

  private static void assertNpe(String parameter, Runnable call) {
    NullPointerException thrown = assertThrows(NullPointerException.class, call::run);
    assertEquals(parameter, thrown.getMessage());
  }

  /**
   * Counts listener calls that start after a close returned, or are still running when it
   * returned (seen at their end), except the call that itself called close().
   */
  private static final class LateCalls {
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<String> late = new CopyOnWriteArrayList<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final ThreadLocal<Boolean> closedInsideThisCall = ThreadLocal.withInitial(() -> false);

    <T> Consumer<T> watch(Consumer<T> listener) {
      return value -> {
        if (closed.get()) {
          late.add("a call started after close() returned: " + value);
        }
        try {
          listener.accept(value);
        } finally {
          if (closed.get() && !closedInsideThisCall.get()) {
            late.add("a call was running when close() returned: " + value);
          }
          closedInsideThisCall.set(false);
        }
      };
    }

    TetherWebSocket.CloseListener watchClose() {
      Consumer<String> watched = watch(event -> {});
      return (code, reason) -> watched.accept("onClose " + code);
    }

    void closeReturned() {
      closed.set(true);
    }

    void closeReturnedInsideThisCall() {
      closedInsideThisCall.set(true);
      closed.set(true);
    }

    void fail(String message) {
      late.add(message);
    }

    /** Records what a listener threw: a race test's listener must not throw, close() included. */
    CallbackErrorHandler errorHandler() {
      return (slot, error) ->
          late.add(
              "listener "
                  + slot.name()
                  + " threw on thread '"
                  + Thread.currentThread().getName()
                  + "': "
                  + stackTrace(error));
    }

    /** Records a peer's close for {@link #explain}: one before the close explains a stall. */
    TetherWebSocket.CloseListener closeRecorder() {
      return (code, reason) -> events.add("onClose " + code + " '" + reason + "'");
    }

    /** Records an onError: the race tests expect none, so one explains a stalled flood. */
    Consumer<Throwable> errorListener() {
      return error -> late.add("onError: " + stackTrace(error));
    }

    /** What a timed-out race round leaves for the reader of the CI log. */
    String explain(
        String delivery, int round, TetherWebSocket socket, int received, TestServer server) {
      return "delivery "
          + delivery
          + ", round "
          + round
          + ", "
          + received
          + " messages received, socket "
          + socket
          + ", lane "
          + socket.lifecycle().delivery()
          + ", recorded: "
          + late
          + ", events: "
          + events
          + "\n"
          + server.describe()
          + "\n"
          + socket.lifecycle().dump();
    }

    private static String stackTrace(Throwable error) {
      StringWriter trace = new StringWriter();
      error.printStackTrace(new PrintWriter(trace));
      return trace.toString();
    }

    void assertNone(int round) {
      assertEquals(List.of(), late, "round " + round);
    }
  }
}
