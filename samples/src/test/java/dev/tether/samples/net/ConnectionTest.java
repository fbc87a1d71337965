package dev.tether.samples.net;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.Lifecycle;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class ConnectionTest {
  private static final Duration BOUND = Duration.ofSeconds(10);
  private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

  private Lifecycle app;
  private ExecutorService pool;
  private final BlockingQueue<Connection> accepted = new LinkedBlockingQueue<>();

  @BeforeEach
  void openApp() {
    app = Lifecycle.root("app");
    pool = Executors.newFixedThreadPool(4);
  }

  @AfterEach
  void closeApp() throws InterruptedException {
    app.closeAsync().orTimeout(BOUND.toSeconds(), SECONDS).join();
    pool.shutdown();
    assertTrue(pool.awaitTermination(BOUND.toSeconds(), SECONDS));
  }

  private static ByteBuffer text(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String text(ByteBuffer b) {
    byte[] bytes = new byte[b.remaining()];
    b.duplicate().get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private Connection take() throws InterruptedException {
    Connection connection = accepted.poll(BOUND.toSeconds(), SECONDS);
    assertTrue(connection != null, "no connection accepted within " + BOUND);
    return connection;
  }

  private static void awaitLatch(CountDownLatch latch, String what) throws InterruptedException {
    assertTrue(latch.await(BOUND.toSeconds(), SECONDS), "timed out waiting for " + what);
  }

  @Test
  void send_manyMessagesEchoed_arriveWholeAndInOrder() throws Exception {
    Server server = Server.listen(app, ANY_LOOPBACK, pool, conn -> conn.onMessage(conn::send));
    Client client = Client.open(app, "client");
    Connection conn = client.connect(server.address(), c -> {});
    List<String> received = new CopyOnWriteArrayList<>();
    CountDownLatch all = new CountDownLatch(500);
    conn.onMessage(
        message -> {
          received.add(text(message));
          all.countDown();
        });
    for (int i = 0; i < 500; i++) {
      assertTrue(conn.send(text("m" + i)));
    }
    awaitLatch(all, "500 echoes");
    for (int i = 0; i < 500; i++) {
      assertEquals("m" + i, received.get(i));
    }
  }

  @Test
  void close_fromOutsideWhileAListenerThatClosedItsOwnConnectionRuns_waitsForThatListener()
      throws Exception {
    CountDownLatch closedFromInside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean listenerRunning = new AtomicBoolean();
    Server server =
        Server.listen(
            app,
            ANY_LOOPBACK,
            pool,
            conn -> {
              accepted.add(conn);
              conn.onMessage(
                  message -> {
                    listenerRunning.set(true);
                    conn.close(); // from inside its own listener: Tether does not wait for this
                    // very call
                    closedFromInside.countDown();
                    try {
                      release.await(BOUND.toSeconds(), SECONDS);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    } finally {
                      listenerRunning.set(false);
                    }
                  });
            });
    Client.open(app, "client").connect(server.address(), c -> {}).send(text("close yourself"));
    Connection serverSide = take();
    awaitLatch(closedFromInside, "the listener's own close");
    // The node is CLOSED now, but its listener runs on: a close from outside must wait for it.
    CompletableFuture<Boolean> outside =
        CompletableFuture.supplyAsync(
            () -> {
              serverSide.close();
              return listenerRunning.get();
            });
    assertThrows(
        java.util.concurrent.TimeoutException.class,
        () -> outside.get(300, TimeUnit.MILLISECONDS),
        "close() returned while a listener of its connection was still running");
    release.countDown();
    assertFalse(outside.get(BOUND.toSeconds(), SECONDS), "a listener ran on after close()");
  }

  @Test
  void send_largeMessageSpanningManyReads_arrivesIntact() throws Exception {
    Server server = Server.listen(app, ANY_LOOPBACK, conn -> conn.onMessage(conn::send));
    Connection conn = Client.open(app, "client").connect(server.address(), c -> {});
    byte[] big = new byte[Connection.MAX_MESSAGE_BYTES];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) (i * 31);
    }
    AtomicReference<ByteBuffer> echo = new AtomicReference<>();
    CountDownLatch got = new CountDownLatch(1);
    conn.onMessage(
        message -> {
          echo.set(message);
          got.countDown();
        });
    conn.send(ByteBuffer.wrap(big));
    awaitLatch(got, "the echo of 1 MiB");
    assertEquals(ByteBuffer.wrap(big), echo.get());
  }

  @Test
  void onOpen_setAfterTheConnectionOpened_stillFiresOnce() throws Exception {
    Server server = Server.listen(app, ANY_LOOPBACK, accepted::add);
    Connection conn = Client.open(app, "client").connect(server.address(), c -> {});
    Connection serverSide = take();
    // The client sends once open; the server sees it, so the client's open event has happened.
    CountDownLatch seen = new CountDownLatch(1);
    serverSide.onMessage(message -> seen.countDown());
    conn.send(text("hello"));
    awaitLatch(seen, "the first message");
    AtomicInteger opens = new AtomicInteger();
    CountDownLatch opened = new CountDownLatch(1);
    conn.onOpen(
        () -> {
          opens.incrementAndGet();
          opened.countDown();
        });
    awaitLatch(opened, "the replayed onOpen");
    // A round trip on the same lane: a duplicate open event would have run before its echo.
    serverSide.onMessage(serverSide::send);
    CountDownLatch echoed = new CountDownLatch(1);
    conn.onMessage(message -> echoed.countDown());
    conn.send(text("ping"));
    awaitLatch(echoed, "the echo");
    assertEquals(1, opens.get());
  }

  @Test
  void close_fromOneSide_firesOnClosedOnTheOtherSideExactlyOnceAndNeverLocally() throws Exception {
    Server server = Server.listen(app, ANY_LOOPBACK, pool, accepted::add);
    Connection conn = Client.open(app, "client").connect(server.address(), c -> {});
    Connection serverSide = take();
    AtomicInteger remoteClosed = new AtomicInteger();
    AtomicInteger localClosed = new AtomicInteger();
    CountDownLatch ended = new CountDownLatch(1);
    serverSide.onClosed(
        () -> {
          remoteClosed.incrementAndGet();
          ended.countDown();
        });
    conn.onClosed(localClosed::incrementAndGet);
    conn.close();
    awaitLatch(ended, "the server side's onClosed");
    await().atMost(BOUND).until(() -> serverSide.lifecycle().state() == Lifecycle.State.CLOSED);
    assertEquals(1, remoteClosed.get());
    assertEquals(0, localClosed.get());
    assertFalse(serverSide.isOpen());
    assertEquals(List.of(), server.lifecycle().children(), "the closed connection is unlinked");
  }

  @Test
  void close_fromInsideItsOwnListener_returnsAndClosesTheNode() throws Exception {
    Server server =
        Server.listen(app, ANY_LOOPBACK, pool, conn -> conn.onMessage(m -> conn.close()));
    Connection conn = Client.open(app, "client").connect(server.address(), c -> {});
    CountDownLatch closedByPeer = new CountDownLatch(1);
    conn.onClosed(closedByPeer::countDown);
    conn.send(text("close yourself"));
    awaitLatch(closedByPeer, "the server side closing itself from its own listener");
    // The socket closes first, so the peer may hear of it before the node is unlinked.
    await().atMost(BOUND).until(() -> server.lifecycle().children().isEmpty());
  }

  @RepeatedTest(20)
  void close_racingAFloodOfMessages_noListenerRunsAfterItReturns() throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    Server server =
        Server.listen(
            app,
            ANY_LOOPBACK,
            pool,
            peer ->
                peer.onOpen(
                    () -> {
                      pool.execute(
                          () -> {
                            while (!stop.get() && peer.send(text("flood"))) {
                              Thread.onSpinWait();
                            }
                          });
                    }));
    Connection conn = Client.open(app, "client", pool).connect(server.address(), c -> {});
    AtomicBoolean closeReturned = new AtomicBoolean();
    AtomicInteger lateCalls = new AtomicInteger();
    AtomicInteger inFlight = new AtomicInteger();
    CountDownLatch flowing = new CountDownLatch(50);
    conn.onMessage(
        message -> {
          inFlight.incrementAndGet();
          try {
            if (closeReturned.get()) {
              lateCalls.incrementAndGet();
            }
            flowing.countDown();
            Thread.yield(); // widen the window in which a close could return too early
          } finally {
            inFlight.decrementAndGet();
          }
        });
    awaitLatch(flowing, "the flood");
    conn.close();
    int runningWhenCloseReturned = inFlight.get();
    closeReturned.set(true);
    stop.set(true);
    // What the lane still held must be discarded, not run: wait until it holds nothing, then look.
    await().atMost(BOUND).until(() -> conn.lifecycle().delivery().queuedCount() == 0);
    CountDownLatch poolDrained = new CountDownLatch(4);
    for (int i = 0; i < 4; i++) {
      pool.execute(poolDrained::countDown);
    }
    awaitLatch(poolDrained, "the pool to run what it had queued");
    assertEquals(0, runningWhenCloseReturned, "a listener was running when close() returned");
    assertEquals(0, lateCalls.get(), "a listener started after close() returned");
  }

  @Test
  void onMessage_listenersOfOneConnectionOnAPool_neverOverlap() throws Exception {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    CountDownLatch all = new CountDownLatch(2000);
    Server server =
        Server.listen(
            app,
            ANY_LOOPBACK,
            pool,
            conn ->
                conn.onMessage(
                    message -> {
                      if (running.incrementAndGet() != 1) {
                        overlaps.incrementAndGet();
                      }
                      Thread.yield(); // widen the window in which an overlap would show
                      running.decrementAndGet();
                      all.countDown();
                    }));
    Client client = Client.open(app, "client");
    Connection a = client.connect(server.address(), c -> {});
    for (int i = 0; i < 2000; i++) {
      a.send(text("x" + i));
    }
    awaitLatch(all, "2000 messages");
    assertEquals(0, overlaps.get());
  }

  @Test
  void close_serverWithOpenConnections_closesEveryConnectionAndThePeersSeeOnClosed()
      throws Exception {
    Server server = Server.listen(app, ANY_LOOPBACK, accepted::add);
    Client client = Client.open(app, "client");
    CountDownLatch peersClosed = new CountDownLatch(3);
    for (int i = 0; i < 3; i++) {
      client.connect(server.address(), c -> {}).onClosed(peersClosed::countDown);
    }
    List<Connection> serverSides = List.of(take(), take(), take());
    server.close();
    for (Connection serverSide : serverSides) {
      assertEquals(Lifecycle.State.CLOSED, serverSide.lifecycle().state());
      assertFalse(serverSide.send(text("too late")));
    }
    awaitLatch(peersClosed, "three onClosed on the client side");
    assertEquals(Lifecycle.State.OPEN, client.lifecycle().state());
  }

  @Test
  void close_serverFromAListenerOnItsOwnIoThread_doesNotWaitForItself() throws Exception {
    AtomicReference<Server> serverRef = new AtomicReference<>();
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    Server server =
        Server.listen(
            app,
            ANY_LOOPBACK,
            conn ->
                conn.onMessage(
                    message -> {
                      ranOn.set(Thread.currentThread());
                      serverRef
                          .get()
                          .close(); // lane drained by the I/O thread: close joins nothing of its
                      // own
                    }));
    serverRef.set(server);
    Connection conn = Client.open(app, "client").connect(server.address(), c -> {});
    CountDownLatch closed = new CountDownLatch(1);
    conn.onClosed(closed::countDown);
    conn.send(text("shut down"));
    awaitLatch(closed, "the server to close from its own I/O thread");
    await().atMost(BOUND).until(() -> server.lifecycle().state() == Lifecycle.State.CLOSED);
    assertTrue(ranOn.get().getName().startsWith("tether-io-app/server-"), ranOn.get().getName());
  }

  @Test
  void close_relayCrossCloseFromBothOnClosedListeners_neitherHangs() throws Exception {
    for (int round = 0; round < 20; round++) {
      Server server = Server.listen(app, ANY_LOOPBACK, pool, accepted::add);
      Client client = Client.open(app, "client-" + round);
      Connection a = client.connect(server.address(), c -> {});
      Connection b = client.connect(server.address(), c -> {});
      Connection a2 = take();
      Connection b2 = take();
      a2.onClosed(b2::close); // the relay's cross-close, from both sides
      b2.onClosed(a2::close);
      AtomicInteger aEnded = new AtomicInteger();
      AtomicInteger bEnded = new AtomicInteger();
      a.onClosed(aEnded::incrementAndGet); // fires only if the relay's close reached a first
      b.onClosed(bEnded::incrementAndGet);
      Thread closeA = new Thread(a::close);
      closeA.start();
      b.close();
      closeA.join(BOUND.toMillis());
      assertFalse(closeA.isAlive(), "a.close() hung");
      await()
          .atMost(BOUND)
          .until(
              () ->
                  a2.lifecycle().state() == Lifecycle.State.CLOSED
                      && b2.lifecycle().state() == Lifecycle.State.CLOSED);
      assertTrue(aEnded.get() <= 1 && bEnded.get() <= 1, aEnded + " / " + bEnded);
      server.close();
      client.close();
    }
  }

  @Test
  void onError_peerSendsAnOversizeLength_firesNamingTheLimitThenOnClosed() throws Exception {
    Server server = Server.listen(app, ANY_LOOPBACK, pool, accepted::add);
    List<String> events = new CopyOnWriteArrayList<>();
    CountDownLatch closed = new CountDownLatch(1);
    try (Socket raw = new Socket()) {
      raw.connect(server.address());
      Connection serverSide = take();
      serverSide.onError(error -> events.add("error: " + error.getMessage()));
      serverSide.onClosed(
          () -> {
            events.add("closed");
            closed.countDown();
          });
      OutputStream out = raw.getOutputStream();
      out.write(new byte[] {0x7f, 0, 0, 0}); // 2 GiB
      out.flush();
      awaitLatch(closed, "onClosed after the bad frame");
    }
    assertEquals(2, events.size(), events.toString());
    assertTrue(
        events.get(0).contains("app/server-")
            && events.get(0).contains("limit is " + Connection.MAX_MESSAGE_BYTES),
        events.get(0));
    assertEquals("closed", events.get(1));
  }

  @Test
  void onError_peerEndsInTheMiddleOfAMessage_firesNamingItInsteadOfACleanClose() throws Exception {
    Server server = Server.listen(app, ANY_LOOPBACK, pool, accepted::add);
    AtomicReference<Throwable> error = new AtomicReference<>();
    CountDownLatch closed = new CountDownLatch(1);
    try (Socket raw = new Socket()) {
      raw.connect(server.address());
      Connection serverSide = take();
      serverSide.onError(error::set);
      serverSide.onClosed(closed::countDown);
      serverSide.onMessage(message -> {});
      OutputStream out = raw.getOutputStream();
      out.write(new byte[] {0, 0, 0, 10, 1, 2, 3}); // 10 bytes announced, 3 sent
      out.flush();
    } // the peer ends here
    awaitLatch(closed, "onClosed after the truncated message");
    assertInstanceOf(java.io.EOFException.class, error.get());
    assertTrue(error.get().getMessage().contains("middle of a message"), error.get().getMessage());
  }

  @Test
  void connect_refused_reportsOnErrorThenOnClosed() throws Exception {
    InetSocketAddress nobody;
    try (ServerSocketChannel probe = ServerSocketChannel.open()) {
      probe.bind(ANY_LOOPBACK);
      nobody = (InetSocketAddress) probe.getLocalAddress();
    }
    AtomicReference<Throwable> error = new AtomicReference<>();
    CountDownLatch closed = new CountDownLatch(1);
    Connection conn =
        Client.open(app, "client")
            .connect(
                nobody,
                c -> {
                  c.onError(
                      error::set); // set before anything can happen: a refusal may come at once
                  c.onClosed(closed::countDown);
                });
    awaitLatch(closed, "onClosed of a refused connect");
    assertInstanceOf(java.net.ConnectException.class, error.get());
    await().atMost(BOUND).until(() -> conn.lifecycle().state() == Lifecycle.State.CLOSED);
  }

  @Test
  void connect_setupThrows_closesTheConnectionAndRethrows() throws Exception {
    Server server = Server.listen(app, ANY_LOOPBACK, accepted::add);
    Client client = Client.open(app, "client");
    Connection[] seen = new Connection[1];
    IllegalStateException thrown =
        assertThrows(
            IllegalStateException.class,
            () ->
                client.connect(
                    server.address(),
                    c -> {
                      seen[0] = c;
                      throw new IllegalStateException("setup failed");
                    }));
    assertEquals("setup failed", thrown.getMessage());
    assertEquals(Lifecycle.State.CLOSED, seen[0].lifecycle().state());
    assertEquals(List.of(), client.lifecycle().children());
  }

  @Test
  void onMessage_setLate_nothingIsReadBeforeThenEveryMessageArrivesInOrder() throws Exception {
    Server server = Server.listen(app, ANY_LOOPBACK, accepted::add); // onAccept sets nothing
    AtomicInteger sent = new AtomicInteger();
    Connection conn =
        Client.open(app, "client")
            .connect(
                server.address(),
                c ->
                    c.onOpen(
                        () -> {
                          for (int i = 0; i < 3000; i++) {
                            c.send(text("m" + i));
                            sent.incrementAndGet();
                          }
                        }));
    Connection serverSide = take();
    await().atMost(BOUND).until(() -> sent.get() == 3000);
    assertEquals(0, serverSide.lifecycle().delivery().queuedCount(), "read before a listener");
    List<String> received = new CopyOnWriteArrayList<>();
    CountDownLatch all = new CountDownLatch(3000);
    Thread setter =
        new Thread(
            () ->
                serverSide.onMessage(
                    message -> { // not the I/O thread
                      received.add(text(message));
                      all.countDown();
                    }),
            "late-setter");
    setter.start();
    awaitLatch(all, "3000 messages after the late onMessage");
    for (int i = 0; i < 3000; i++) {
      assertEquals("m" + i, received.get(i));
    }
    assertTrue(conn.isOpen());
  }

  @Test
  void connect_failsAtOnce_isReportedOnTheConnectionNotThrown() throws Exception {
    // Linux refuses a broadcast address synchronously (EACCES); elsewhere it may fail later.
    // Either way the listeners set in setup hear of it.
    InetSocketAddress broadcast = new InetSocketAddress("255.255.255.255", 9);
    AtomicReference<Throwable> error = new AtomicReference<>();
    CountDownLatch closed = new CountDownLatch(1);
    Connection conn =
        Client.open(app, "client")
            .connect(
                broadcast,
                c -> {
                  c.onError(error::set);
                  c.onClosed(closed::countDown);
                });
    awaitLatch(closed, "onClosed of a refused connect");
    assertInstanceOf(java.io.IOException.class, error.get());
    await().atMost(BOUND).until(() -> conn.lifecycle().state() == Lifecycle.State.CLOSED);
  }

  @Test
  void onMessage_listenerThrowsVirtualMachineErrorOnTheIoThread_failsEveryConnectionOfThatLoop()
      throws Exception {
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    CountDownLatch serverSidesEnded = new CountDownLatch(2);
    Server server =
        Server.listen(
            app,
            ANY_LOOPBACK,
            conn -> { // serial(): the I/O thread drains
              accepted.add(conn);
              conn.onError(errors::add);
              conn.onClosed(serverSidesEnded::countDown);
              conn.onMessage(
                  message -> {
                    if (text(message).equals("overflow")) {
                      throw new StackOverflowError("deliberate, from a listener on the I/O thread");
                    }
                  });
            });
    Client client = Client.open(app, "client");
    CountDownLatch clientsEnded = new CountDownLatch(2);
    Connection victim = client.connect(server.address(), c -> c.onClosed(clientsEnded::countDown));
    client.connect(server.address(), c -> c.onClosed(clientsEnded::countDown));
    List<Connection> serverSides = List.of(take(), take());
    victim.send(text("overflow"));
    awaitLatch(serverSidesEnded, "onClosed of both connections of the dead loop");
    awaitLatch(clientsEnded, "the peers to see both ends");
    assertEquals(2, errors.size(), errors.toString());
    for (Throwable error : errors) {
      assertTrue(error.getMessage().contains("has stopped"), error.toString());
    }
    assertInstanceOf(StackOverflowError.class, errors.get(0).getCause());
    for (Connection serverSide : serverSides) {
      assertFalse(serverSide.isOpen());
    }
  }

  @Test
  void onMessage_handOffRefusedWhenReadingResumes_endsTheConnection() throws Exception {
    AtomicBoolean refusing = new AtomicBoolean();
    Executor gate =
        task -> {
          if (refusing.get()) {
            throw new RejectedExecutionException("deliberate: the lane's executor has shut down");
          }
          pool.execute(task);
        };
    Server server = Server.listen(app, ANY_LOOPBACK, gate, accepted::add); // sets no listener
    CountDownLatch peerSawTheEnd = new CountDownLatch(1);
    Connection conn =
        Client.open(app, "client")
            .connect(server.address(), c -> c.onClosed(peerSawTheEnd::countDown));
    Connection serverSide = take();
    conn.send(text("waits for a listener"));
    // Read and kept, not delivered: no listener yet. Setting one resumes on the I/O thread
    // (Connection.onMessage's task), whose hand-off to the lane is then refused.
    await().atMost(BOUND).until(() -> serverSide.bytesReceived() == 4 + 20);
    refusing.set(true);
    List<ByteBuffer> delivered = new CopyOnWriteArrayList<>();
    serverSide.onMessage(delivered::add);
    await().atMost(BOUND).until(() -> serverSide.lifecycle().state() == Lifecycle.State.CLOSED);
    awaitLatch(peerSawTheEnd, "the peer to see the refused connection end");
    assertFalse(serverSide.isOpen());
    assertEquals(List.of(), delivered);
    assertEquals(List.of(), server.lifecycle().children(), "the ended connection is unlinked");
  }

  @Test
  void close_peerEndsWhileItWaitsForAListener_endIsReadOnceAndTheIoThreadDoesNotSpin()
      throws Exception {
    Server server = Server.listen(app, ANY_LOOPBACK, pool, accepted::add);
    Client client = Client.open(app, "client");
    Connection held = client.connect(server.address(), c -> {});
    Connection heldServerSide = take();
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    heldServerSide.onMessage(
        message -> {
          entered.countDown();
          try {
            release.await(BOUND.toSeconds(), SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    held.send(text("hold"));
    awaitLatch(entered, "the listener that holds the lane");
    CompletableFuture<Void> closing = CompletableFuture.runAsync(heldServerSide::close, pool);
    await().atMost(BOUND).until(() -> !heldServerSide.isOpen()); // close() has begun to wait
    held.close(); // the peer ends: the server's I/O thread reads the end of stream
    await().atMost(BOUND).until(() -> heldServerSide.endOfStreamReads() >= 1);
    // One more message through the same I/O thread: the select that reads it would also report
    // the finished socket again, had its read interest been left on.
    Connection other = client.connect(server.address(), c -> {});
    Connection otherServerSide = take();
    CountDownLatch otherArrived = new CountDownLatch(1);
    otherServerSide.onMessage(message -> otherArrived.countDown());
    other.send(text("after the end"));
    awaitLatch(otherArrived, "a message on another connection of the same I/O thread");
    assertEquals(1, heldServerSide.endOfStreamReads(), "the I/O thread re-read a finished socket");
    release.countDown();
    closing.get(BOUND.toSeconds(), SECONDS);
    assertEquals(Lifecycle.State.CLOSED, heldServerSide.lifecycle().state());
  }

  @Test
  void listen_acceptsKeepFailing_pausesDoublingInsteadOfSpinningThenAcceptsThePendingPeer()
      throws Exception {
    int failures = 5;
    AtomicInteger attempts = new AtomicInteger();
    AtomicLong firstFailureNanos = new AtomicLong();
    AtomicLong acceptedNanos = new AtomicLong();
    Server server =
        Server.listenWithAcceptor(
            app,
            ANY_LOOPBACK,
            accepted::add,
            channel -> {
              int attempt = attempts.incrementAndGet();
              if (attempt == 1) {
                firstFailureNanos.set(System.nanoTime());
              }
              if (attempt <= failures) {
                throw new IOException("Too many open files (deliberate, attempt " + attempt + ")");
              }
              SocketChannel socket = channel.accept();
              if (socket != null) {
                acceptedNanos.compareAndSet(0, System.nanoTime());
              }
              return socket;
            });
    Connection conn = Client.open(app, "client").connect(server.address(), c -> {});
    Connection serverSide = take(); // the connection waited in the backlog through the pauses
    CountDownLatch echoed = new CountDownLatch(1);
    serverSide.onMessage(serverSide::send);
    conn.onMessage(message -> echoed.countDown());
    conn.send(text("after the shortage"));
    awaitLatch(echoed, "an echo over the connection accepted after the pauses");
    // Retrying at once would take the 6th attempt microseconds after the 1st; the pauses after
    // the five failures (10, 20, 40, 80, 160 ms) put at least 310 ms between them.
    long pausedMillis =
        TimeUnit.NANOSECONDS.toMillis(acceptedNanos.get() - firstFailureNanos.get());
    assertTrue(pausedMillis >= 310, "accepted " + pausedMillis + " ms after the first failure");
  }

  @Nested
  class BadInput {
    @Test
    void send_oversizeMessage_throwsNamingTheConnectionAndTheLimit() throws Exception {
      Server server = Server.listen(app, ANY_LOOPBACK, accepted::add);
      Connection conn = Client.open(app, "client").connect(server.address(), c -> {});
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> conn.send(ByteBuffer.allocate(Connection.MAX_MESSAGE_BYTES + 1)));
      assertTrue(
          e.getMessage().contains("app/client/conn-1")
              && e.getMessage().contains(String.valueOf(Connection.MAX_MESSAGE_BYTES)),
          e.getMessage());
    }

    @Test
    void send_afterClose_returnsFalseAndSettingAListenerThrowsNamingTheSlot() throws Exception {
      Server server = Server.listen(app, ANY_LOOPBACK, accepted::add);
      Connection conn = Client.open(app, "client").connect(server.address(), c -> {});
      conn.close();
      assertFalse(conn.send(text("late")));
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> conn.onMessage(message -> {}));
      assertTrue(e.getMessage().contains("app/client/conn-1/onMessage"), e.getMessage());
    }

    @Test
    void everyPublicMethod_nullArgument_throwsNamingTheParameter() throws Exception {
      Server server = Server.listen(app, ANY_LOOPBACK, accepted::add);
      Client client = Client.open(app, "client");
      Connection conn = client.connect(server.address(), c -> {});
      assertEquals(
          "listener",
          assertThrows(NullPointerException.class, () -> conn.onMessage(null)).getMessage());
      assertEquals(
          "listener",
          assertThrows(NullPointerException.class, () -> conn.onOpen(null)).getMessage());
      assertEquals(
          "message", assertThrows(NullPointerException.class, () -> conn.send(null)).getMessage());
      assertEquals(
          "remote",
          assertThrows(NullPointerException.class, () -> client.connect(null, c -> {}))
              .getMessage());
      assertEquals(
          "setup",
          assertThrows(NullPointerException.class, () -> client.connect(server.address(), null))
              .getMessage());
      IllegalArgumentException unresolved =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  client.connect(
                      InetSocketAddress.createUnresolved("nowhere.invalid", 1), c -> {}));
      assertTrue(
          unresolved.getMessage().contains("app/client")
              && unresolved.getMessage().contains("nowhere.invalid"),
          unresolved.getMessage());
      assertEquals(
          "onAccept",
          assertThrows(NullPointerException.class, () -> Server.listen(app, ANY_LOOPBACK, null))
              .getMessage());
      assertEquals(
          "callbackExecutor",
          assertThrows(NullPointerException.class, () -> Client.open(app, "c2", null))
              .getMessage());
    }

    @Test
    void schedule_offTheIoThread_throwsNamingBothThreads() {
      IoLoop loop = new IoLoop("tether-io-schedule-test");
      try {
        IllegalStateException e =
            assertThrows(IllegalStateException.class, () -> loop.schedule(1, () -> {}));
        assertTrue(
            e.getMessage().contains("tether-io-schedule-test")
                && e.getMessage().contains(Thread.currentThread().getName()),
            e.getMessage());
      } finally {
        loop.close();
      }
    }

    @Test
    void listen_underAClosedParent_throwsNamingThePath() throws Exception {
      Lifecycle closed = app.child("gone");
      closed.close();
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () -> Server.listen(closed, ANY_LOOPBACK, accepted::add));
      assertTrue(e.getMessage().contains("app/gone"), e.getMessage());
    }
  }
}
