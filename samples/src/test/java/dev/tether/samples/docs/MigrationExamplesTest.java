package dev.tether.samples.docs;

import static dev.tether.samples.docs.DocTestSupport.BOUND;
import static dev.tether.samples.docs.DocTestSupport.await;
import static dev.tether.samples.docs.DocTestSupport.eventually;
import static dev.tether.samples.docs.DocTestSupport.eventuallyAfterGc;
import static dev.tether.samples.docs.DocTestSupport.join;
import static dev.tether.samples.docs.DocTestSupport.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.CallbackSlot;
import dev.tether.Delivery;
import dev.tether.Lifecycle;
import dev.tether.Replay;
import dev.tether.samples.docs.DocTestSupport.ManualExecutor;
import dev.tether.samples.docs.DocTestSupport.Rendezvous;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The Java examples of docs/migrating-from-libdatachannel.md, each run, each with the assertion
 * that fails if the guarantee it illustrates breaks. Tests are named after the libdatachannel
 * issue or pull request they answer.
 */
class MigrationExamplesTest {

  @Test
  void reset_crossResetOfIssue1181_bothThreadsReturnAndBothSlotsAreEmpty() {
    Rendezvous bothInside = new Rendezvous(2);
    // @start region="cross-reset"
    CallbackSlot<String> x = CallbackSlot.create("pc-1/x");
    CallbackSlot<String> y = CallbackSlot.create("pc-2/y");
    x.set(event -> { bothInside.arriveAndAwait(); y.reset(); }); // thread A, inside x, resets y
    y.set(event -> { bothInside.arriveAndAwait(); x.reset(); }); // thread B, inside y, resets x
    // @end region="cross-reset"
    Thread a = start("A", () -> x.invoke("a"));
    Thread b = start("B", () -> y.invoke("b"));
    join(a);
    join(b);
    assertFalse(x.isSet());
    assertFalse(y.isSet());
  }

  @Test
  void set_lateListenerWithLatestReplay_seesTheOpenEventOnce() {
    Lifecycle conn = Lifecycle.root("pc-1");
    AtomicInteger opened = new AtomicInteger();
    // @start region="stored"
    CallbackSlot<Void> onOpen =
        conn.slot(CallbackSlot.<Void>builder("onOpen").replay(Replay.latest()));
    onOpen.invoke(null);                              // opened before anyone listens: kept
    onOpen.set(ignored -> opened.incrementAndGet());  // delivered here, on this thread, once
    onOpen.set(ignored -> opened.incrementAndGet());  // not again
    // @end region="stored"
    assertEquals(1, opened.get());
    assertEquals(0, onOpen.droppedCount());
    conn.close();
  }

  @Test
  void close_concurrentClosersOfPr1384_onClosedFiresOnceAfterTheSocketAndEveryCloserWaitsForIt() {
    List<String> events = new CopyOnWriteArrayList<>();
    AutoCloseable socket = () -> events.add("socket closed");
    // @start region="on-closed-once"
    Lifecycle conn = Lifecycle.root("pc-1");
    CallbackSlot<Void> onClosed = conn.slot("onClosed");
    Lifecycle transport = conn.child("transport");  // closed before conn's own slots
    transport.own(() -> onClosed.invoke(null));     // closed last in transport: fires onClosed
    transport.own(socket);                          // closed first: resources go newest first
    // @end region="on-closed-once"
    onClosed.set(ignored -> events.add("onClosed"));
    CountDownLatch go = new CountDownLatch(1);
    List<Lifecycle.State> seenByClosers = new CopyOnWriteArrayList<>();
    List<Thread> closers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      closers.add(
          start(
              "closer-" + i,
              () -> {
                await(go, "start signal");
                conn.close();
                seenByClosers.add(conn.state());
              }));
    }
    go.countDown();
    closers.forEach(DocTestSupport::join);
    assertEquals(List.of("socket closed", "onClosed"), events);
    assertEquals(
        List.of(
            Lifecycle.State.CLOSED,
            Lifecycle.State.CLOSED,
            Lifecycle.State.CLOSED,
            Lifecycle.State.CLOSED),
        seenByClosers,
        "a losing close() must wait for the winner");
  }

  @Test
  void close_fromItsOwnEventAsInPr600Pr690Pr697_returnsAndQueuedCallsAreDiscarded() {
    ManualExecutor callbackPool = new ManualExecutor();
    List<String> messages = new ArrayList<>();
    // @start region="processor"
    Delivery processor = Delivery.serialOn(callbackPool);     // one lane per connection
    Lifecycle pc = Lifecycle.root("pc-1", processor);
    CallbackSlot<String> onState = pc.slot("onStateChange");
    CallbackSlot<String> onMessage = pc.slot("onMessage");    // same lane: never overlaps
    onState.set(state -> { if (state.equals("failed")) pc.close(); }); // no self-join
    onMessage.set(messages::add);
    onState.invoke("failed");     // queued; the I/O thread runs no user code
    onMessage.invoke("late");     // queued behind it
    // @end region="processor"
    assertEquals(List.of(), messages);
    assertEquals(2, processor.queuedCount());
    assertEquals(1, callbackPool.runAll());
    assertEquals(Lifecycle.State.CLOSED, pc.state());
    assertEquals(List.of(), messages, "a queued call of a closed slot must never run");
    assertEquals(1, processor.discardedCount());
  }

  @Test
  void setWeak_ownerCollectedAsInIssue850_theSlotEmptiesItself() {
    CallbackSlot<String> onMessage = CallbackSlot.create("pc-1/dc-0/onMessage");
    WeakReference<ChatView> view = bindView(onMessage);
    eventuallyAfterGc("the view to be collected and the slot emptied", () -> !onMessage.isSet());
    assertNull(view.get());
    assertFalse(onMessage.invoke("after the view is gone"));
  }

  /** Binds a view that only this frame references, and checks that it receives messages. */
  private static WeakReference<ChatView> bindView(CallbackSlot<String> onMessage) {
    // @start region="weak-bind"
    ChatView view = new ChatView();
    onMessage.setWeak(view, (v, text) -> v.show(text)); // holds view weakly; never captures it
    // @end region="weak-bind"
    assertTrue(onMessage.invoke("hello"));
    assertEquals(List.of("hello"), view.shown);
    return new WeakReference<>(view);
  }

  /** A user object that receives messages. */
  static final class ChatView {
    final List<String> shown = new CopyOnWriteArrayList<>();

    void show(String text) {
      shown.add(text);
    }
  }

  @Test
  void closeAsync_boundedShutdownOfIssue619_namesTheStuckNodeSlotAndThread() throws Exception {
    Lifecycle app = Lifecycle.root("app");
    CallbackSlot<String> onMessage = app.child("conn-42").slot("onMessage");
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    onMessage.set(
        text -> {
          entered.countDown();
          await(release, "the test to release the stuck callback");
        });
    Thread io = start("io-1", () -> onMessage.invoke("x"));
    await(entered, "the callback to start");
    List<String> log = new ArrayList<>();
    shutdown(app, Duration.ofMillis(200), log::add);
    assertEquals(1, log.size(), "the shutdown must time out while the callback is stuck");
    for (String expected :
        List.of("app/conn-42 [CLOSING]", "slot 'app/conn-42/onMessage'", "io-1")) {
      assertTrue(log.get(0).contains(expected), "dump lacks " + expected + ":\n" + log.get(0));
    }
    release.countDown();
    app.closeFuture().get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
    join(io);
    assertEquals(Lifecycle.State.CLOSED, app.state());
  }

  /** Ends the program: closes everything, and names what is stuck if that takes too long. */
  static void shutdown(Lifecycle app, Duration limit, Consumer<String> log)
      throws InterruptedException, ExecutionException {
    // @start region="cleanup"
    CompletableFuture<Void> closed = app.closeAsync();  // returns at once; app is CLOSING
    try {
      closed.get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException stuck) {
      log.accept(app.dump());  // the stuck node, the slot it waits for, the thread, its stack
    }
    // @end region="cleanup"
  }

  @Test
  void addLeakListener_connectionDroppedWithoutCloseAsInIssue850_isReportedByPathAndClosed()
      throws Exception {
    Lifecycle app = Lifecycle.root("app");
    List<String> leaks = new CopyOnWriteArrayList<>();
    // @start region="leak-listener"
    AutoCloseable leakLog = Lifecycle.addLeakListener(report -> leaks.add(report.path()));
    // @end region="leak-listener"
    try {
      Lifecycle conn = openConnection(app, 7);
      eventuallyAfterGc("a leak report for app/conn-7", () -> leaks.contains("app/conn-7"));
      conn.closeFuture().get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
      eventually("the leaked node to be closed", () -> conn.state() == Lifecycle.State.CLOSED);
    } finally {
      leakLog.close();
    }
    app.close();
  }

  /** Creates a connection node bound to a handle that nothing keeps, as a leaking caller would. */
  private static Lifecycle openConnection(Lifecycle app, int id) {
    Object handle = new Object();
    // @start region="leak"
    Lifecycle conn = app.child("conn-" + id).bindOwner(handle); // handle: what the user holds
    // @end region="leak"
    return conn;
  }
}
