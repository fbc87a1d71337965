package dev.tether.samples.docs;

import static dev.tether.samples.docs.DocTestSupport.BOUND;
import static dev.tether.samples.docs.DocTestSupport.await;
import static dev.tether.samples.docs.DocTestSupport.eventually;
import static dev.tether.samples.docs.DocTestSupport.join;
import static dev.tether.samples.docs.DocTestSupport.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.CallbackSlot;
import dev.tether.Delivery;
import dev.tether.Lifecycle;
import dev.tether.Replay;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The example of docs/design-guide.md's section "A complete connection class": {@link
 * MessageConnection} over a fake {@link Transport} whose events arrive on its own I/O thread, as
 * a native library's would. Each test asserts what the class Javadoc promises: listeners set,
 * connect, send, close and {@code closeFuture()}; delivery off the I/O thread and in order; no
 * listener after close; close waits for a running listener, but not from inside one; a peer's end
 * fires {@code onClosed} once and closes the connection; a throwing listener does not end it. Run
 * just this: {@code ./mvnw -B -q -pl samples -am test -Dexec.skip=true
 * -Dtest='CompleteConnectionTest' -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class CompleteConnectionTest {
  private Lifecycle app;
  private ExecutorService callbacks;
  private FakeTransport transport;
  private MessageConnection connection;
  private final List<String> events = new CopyOnWriteArrayList<>();
  private final List<String> listenerThreads = new CopyOnWriteArrayList<>();

  @BeforeEach
  void open() {
    app = Lifecycle.root("app");
    callbacks = Executors.newFixedThreadPool(2, runnable -> new Thread(runnable, "callbacks"));
    transport = new FakeTransport();
    connection = new MessageConnection(app, "conn-1", callbacks, transport);
  }

  @AfterEach
  void close() throws Exception {
    app.closeAsync().get(BOUND.toSeconds(), TimeUnit.SECONDS);
    callbacks.shutdown();
    assertTrue(callbacks.awaitTermination(BOUND.toSeconds(), TimeUnit.SECONDS));
    transport.io.shutdown();
  }

  private void recordingListeners() {
    connection.onOpen(() -> record("open"));
    connection.onMessage(message -> record("message " + message));
    connection.onClosed(reason -> record("closed " + reason));
  }

  private void record(String event) {
    listenerThreads.add(Thread.currentThread().getName());
    events.add(event);
  }

  @Test
  void listenersConnectSendClose_deliverInOrderOffTheIoThread_andNothingAfterClose()
      throws Exception {
    recordingListeners();
    connection.connect();
    connection.send("a");
    connection.send("b");
    eventually("open and both echoes", () -> events.size() == 3);
    assertEquals(List.of("open", "message echo a", "message echo b"), events);
    assertTrue(listenerThreads.stream().allMatch("callbacks"::equals), listenerThreads.toString());

    connection.close();

    assertTrue(connection.closeFuture().isDone(), "close() returned before the close completed");
    assertTrue(transport.closed, "the transport was not closed with the connection");
    assertEquals(3, events.size(), "a local close() must not fire onClosed: " + events);
    assertThrows(IllegalStateException.class, () -> connection.send("late"));
    assertThrows(IllegalStateException.class, () -> connection.onMessage(message -> {}));
    connection.close(); // idempotent
  }

  @Test
  void onOpenSetAfterConnect_stillSeesTheOpenEventOnce() {
    connection.connect();
    eventually("the transport to open", () -> transport.opened);
    connection.onOpen(() -> record("open"));
    eventually("the late onOpen listener", () -> events.size() == 1);
    assertEquals(List.of("open"), events);
  }

  @Test
  void close_waitsForTheRunningListener_thenClosesTheTransport() {
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    connection.onMessage(
        message -> {
          inside.countDown();
          await(release, "the test to release the listener");
          events.add("listener returned; transport closed: " + transport.closed);
        });
    connection.connect();
    connection.send("hello");
    await(inside, "the listener to start");
    Thread closer =
        start(
            "closer",
            () -> {
              connection.close();
              events.add("close returned");
            });
    eventually(
        "the closer to wait for the listener",
        () ->
            closer.getState() == Thread.State.WAITING
                || closer.getState() == Thread.State.TIMED_WAITING);
    assertFalse(connection.closeFuture().isDone(), "the close completed under a running listener");
    release.countDown();
    join(closer);
    assertEquals(
        List.of("listener returned; transport closed: false", "close returned"),
        events,
        "close() must return after the running listener, and close the transport after it");
    assertTrue(transport.closed);
  }

  @Test
  void closeFromInsideItsOwnListener_doesNotWaitForItself_andCloseFutureCompletes()
      throws Exception {
    CountDownLatch closeReturned = new CountDownLatch(1);
    connection.onMessage(
        message -> {
          connection.close(); // from inside this connection's own listener
          closeReturned.countDown();
        });
    connection.connect();
    connection.send("bye");
    await(closeReturned, "close() from inside the listener to return");
    connection.closeFuture().get(BOUND.toSeconds(), TimeUnit.SECONDS);
    assertTrue(transport.closed);
    assertThrows(IllegalStateException.class, () -> connection.send("late"));
  }

  @Test
  void peerEnds_firesOnClosedOnce_thenTheConnectionClosesItself() throws Exception {
    recordingListeners();
    connection.connect();
    eventually("the open event", () -> events.contains("open"));
    transport.peerEnds("going away");
    transport.peerEnds("going away again"); // a transport that reports its end twice
    connection.closeFuture().get(BOUND.toSeconds(), TimeUnit.SECONDS);
    assertEquals(List.of("open", "closed going away"), events);
    assertTrue(transport.closed);
    assertThrows(IllegalStateException.class, () -> connection.send("late"));
  }

  @Test
  void aThrowingListener_isLoggedAndTheConnectionCarriesOn() {
    connection.onMessage(
        message -> {
          if (message.endsWith("boom")) {
            throw new IllegalStateException("a listener bug (expected by the test)");
          }
          events.add(message);
        });
    connection.connect();
    connection.send("boom");
    connection.send("after");
    eventually("the message after the failure", () -> events.contains("echo after"));
    assertEquals(List.of("echo after"), events);
    assertFalse(connection.closeFuture().isDone(), "a throwing listener closed the connection");
  }

  /**
   * A transport whose I/O thread echoes every message back, as a stand-in for a native library.
   * Thread-safe; {@code close()} returns once the I/O thread will report nothing more.
   */
  static final class FakeTransport implements Transport {
    final ExecutorService io = Executors.newSingleThreadExecutor(r -> new Thread(r, "fake-io"));
    volatile boolean opened;
    volatile boolean closed;
    private volatile Events events;

    @Override
    public void start(Events events) {
      this.events = events;
      onIoThread(
          () -> {
            opened = true;
            events.opened();
          });
    }

    @Override
    public void write(String message) {
      onIoThread(() -> events.received("echo " + message));
    }

    void peerEnds(String reason) {
      onIoThread(() -> events.ended(reason));
    }

    private void onIoThread(Runnable event) {
      if (!closed) {
        io.execute(
            () -> {
              if (!closed) {
                event.run();
              }
            });
      }
    }

    @Override
    public void close() {
      closed = true;
      // Wait for an event already running on the I/O thread: after close(), none is reported.
      CompletableFuture.runAsync(() -> {}, io)
          .orTimeout(BOUND.toSeconds(), TimeUnit.SECONDS)
          .join();
    }
  }
}

// @start region="transport"
/** The native connection being wrapped: it reports events from its own I/O threads. */
interface Transport extends AutoCloseable {
  interface Events {
    void opened();
    void received(String message);
    void ended(String reason); // the peer closed, or the connection failed
  }

  void start(Events events); // begins connecting; does not block
  void write(String message); // queues; does not block
  @Override void close(); // after it returns, no event is reported
}
// @end region="transport"

// @start region="complete-connection"
/**
 * A message connection: set the listeners, {@link #connect()}, {@link #send}, {@link #close()}.
 *
 * <p>Instances are thread-safe: every method may be called from any thread, including from inside
 * this connection's listeners and those of other connections.
 *
 * <p>Memory consistency effects: actions prior to setting a listener happen-before its calls.
 * Each listener call happens-before the next listener call of this connection, the return of a
 * {@code close()} that waited for it, and the completion of {@link #closeFuture()}.
 *
 * <p>Delivery: the listeners of one connection run one at a time, in event order, on the executor
 * given at creation, never on the transport's I/O thread. {@code onOpen} and {@code onClosed}
 * reach a listener set late; a message that arrives while no listener is set is dropped, so set
 * the listeners before {@code connect()}, once: replacing one discards events queued for it.
 *
 * <p>Blocking: {@link #close()} blocks until no listener of this connection runs, except where
 * waiting would deadlock: from inside a listener it does not wait for that very call, and a close
 * that is part of a wait cycle (two connections closed from each other's listeners) may return
 * before the close is done; {@link #closeFuture()} completes when it is. A setter that replaces a
 * running listener waits for it in the same way. The other methods do not block.
 *
 * <p>Reentrancy: every method may be called from inside any listener.
 *
 * <p>Exceptions: a {@code RuntimeException} or {@code Error} thrown by a listener is logged, and
 * the connection carries on ({@code VirtualMachineError}s excepted). A setter,
 * {@code connect()} or {@code send} on a closed connection throws {@link IllegalStateException}.
 * A waiting {@code close()} is not interruptible; it restores the interrupt status.
 */
final class MessageConnection implements AutoCloseable {
  private final Lifecycle node;
  private final Transport transport;
  private final CallbackSlot<Void> opened;
  private final CallbackSlot<String> messages;
  private final CallbackSlot<String> closed;
  private final CallbackSlot<Void> finish;
  private final AtomicBoolean ended = new AtomicBoolean();

  MessageConnection(Lifecycle parent, String name, Executor callbacks, Transport transport) {
    node = parent.child(name, Delivery.serialOn(callbacks)); // a lane of its own
    opened = node.slot(CallbackSlot.<Void>builder("onOpen").replay(Replay.latest()));
    messages = node.slot("onMessage");
    closed = node.slot(CallbackSlot.<String>builder("onClosed").replay(Replay.latest()));
    finish = node.slot("finish"); // queued behind onClosed: the lane closes its own node
    finish.set(ignored -> node.close());
    this.transport = node.own(transport); // closed after the slots: no listener runs then
  }

  public void onOpen(Runnable listener) {
    Objects.requireNonNull(listener, "listener");
    opened.set(ignored -> listener.run());
  }

  public void onMessage(Consumer<String> listener) {
    messages.set(listener);
  }

  /** Fires at most once, when the transport ends; never after close() has returned. */
  public void onClosed(Consumer<String> listener) {
    closed.set(listener);
  }

  /** Starts connecting, once; events then flow to the listeners set. */
  public void connect() {
    requireOpen("connect");
    transport.start(new Transport.Events() { // called on the transport's I/O thread
      @Override public void opened() { opened.invoke(null); }
      @Override public void received(String message) { messages.invoke(message); }
      @Override public void ended(String reason) {
        if (ended.compareAndSet(false, true)) { // a transport may report its end twice
          closed.invoke(reason);
          finish.invoke(null);
        }
      }
    });
  }

  public void send(String message) {
    requireOpen("send");
    transport.write(message);
  }

  @Override public void close() {
    node.close();
  }

  /** Completes when the connection is closed, by {@code close()} or by the transport's end. */
  public CompletableFuture<Void> closeFuture() {
    return node.closeFuture();
  }

  private void requireOpen(String action) {
    if (node.state() != Lifecycle.State.OPEN) {
      throw new IllegalStateException(
          "connection '" + node.path() + "' is closed: cannot " + action);
    }
  }
}
// @end region="complete-connection"
