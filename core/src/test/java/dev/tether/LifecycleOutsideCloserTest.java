package dev.tether;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.internal.WaitForGraph;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

/**
 * The headline promise for a thread outside every callback: its {@code close()} returns only when
 * no listener of the node runs, also when a listener closes the same node at the same moment and
 * the two waits form a wait-for cycle (the outsider waits for the listener's call, the listener's
 * losing close waits for the outsider as the node's closer). The cycle is broken at the listener
 * (WaitForGraph rule B1), whichever thread's arrival closed it.
 *
 * <p>Both arrival orders are forced with a deterministic hand-off, no sleeps:
 * <ul>
 *   <li><b>listener first:</b> the outsider's walk first closes a child whose resource's close
 *       waits until the listener's close is parked in the wait-for graph; only then does the walk
 *       reach the slot, and the outsider's arrival closes the cycle;
 *   <li><b>outsider first:</b> the listener calls {@code close()} only once the outsider is
 *       parked waiting for the listener's call; the listener's arrival closes the cycle.
 * </ul>
 * Each runs on platform threads and, on Java 21+, on virtual threads.
 */
class LifecycleOutsideCloserTest {
  private static final Duration BOUND = TestThread.BOUND;

  /** Starts threads of one kind. */
  @FunctionalInterface
  interface Starter {
    Thread start(String name, Runnable task) throws Throwable;
  }

  /** What one round observed. */
  static final class Round {
    final Lifecycle conn = Lifecycle.root("conn-42");
    final CountDownLatch listenerStarted = new CountDownLatch(1);
    final CountDownLatch outsiderClaimed = new CountDownLatch(1);
    final CountDownLatch listenerCloseReturned = new CountDownLatch(1);
    final CountDownLatch mayFinish = new CountDownLatch(1);
    final CountDownLatch outsiderReturned = new CountDownLatch(1);
    volatile boolean listenerRunning;
    volatile Lifecycle.State stateWhenListenerCloseReturned;
    volatile boolean listenerRunningWhenOutsiderReturned;
    volatile Lifecycle.State stateWhenOutsiderReturned;
    final AtomicReference<Throwable> failure = new AtomicReference<>();

    Runnable guarded(TestThread.Task task) {
      return () -> {
        try {
          task.run();
        } catch (Throwable t) {
          failure.compareAndSet(null, t);
        }
      };
    }

    /**
     * The listener: marks itself running, waits for the outsider ({@code outsiderClaimed}),
     * closes its own node, records the state, and runs on until the test says so.
     */
    java.util.function.Consumer<String> listenerClosingItsNodeAfter(String what) {
      return message -> {
        listenerRunning = true;
        try {
          listenerStarted.countDown();
          TestThread.await(outsiderClaimed, what);
          conn.close();
          stateWhenListenerCloseReturned = conn.state();
          listenerCloseReturned.countDown();
          TestThread.await(mayFinish, "the test's go");
        } finally {
          listenerRunning = false;
        }
      };
    }

    void outsiderCloses() {
      conn.close();
      listenerRunningWhenOutsiderReturned = listenerRunning;
      stateWhenOutsiderReturned = conn.state();
      outsiderReturned.countDown();
    }

    void check(CompletableFuture<Void> closeFuture) {
      assertEquals(null, failure.get(), () -> "a thread failed: " + failure.get());
      assertFalse(
          listenerRunningWhenOutsiderReturned,
          "close() from outside every callback returned while the node's listener still ran");
      assertEquals(Lifecycle.State.CLOSED, stateWhenOutsiderReturned);
      assertEquals(
          Lifecycle.State.CLOSING,
          stateWhenListenerCloseReturned,
          "the listener's close is the member of the cycle that does not wait (rule B1)");
      assertTrue(closeFuture.isDone());
    }
  }

  static void listenerFirst(Starter threads) throws Throwable {
    Round round = new Round();
    Thread[] listener = new Thread[1];
    // Closed before the node's slots: holds the outsider's walk until the listener's losing close
    // is parked in the graph, so that the outsider's arrival at the slot closes the cycle.
    Lifecycle gate = round.conn.child("gate");
    gate.own(
        () ->
            await()
                .atMost(BOUND)
                .until(
                    () ->
                        String.valueOf(WaitForGraph.describeWait(listener[0]))
                            .contains("lifecycle")));
    CallbackSlot<String> onMessage = round.conn.slot("onMessage");
    onMessage.set(round.listenerClosingItsNodeAfter("the outsider's claim"));
    listener[0] = threads.start("io-1", round.guarded(() -> onMessage.invoke("bye")));
    TestThread.await(round.listenerStarted, "the listener");
    Thread outsider = threads.start("app", round.guarded(round::outsiderCloses));
    await().atMost(BOUND).until(() -> round.conn.state() == Lifecycle.State.CLOSING);
    round.outsiderClaimed.countDown();
    TestThread.await(round.listenerCloseReturned, "the listener's close");
    assertEquals(
        1, round.outsiderReturned.getCount(), "the outsider returned while the listener ran");
    round.mayFinish.countDown();
    join(outsider);
    join(listener[0]);
    round.check(round.conn.closeFuture());
  }

  static void outsiderFirst(Starter threads) throws Throwable {
    Round round = new Round();
    CallbackSlot<String> onMessage = round.conn.slot("onMessage");
    Thread[] outsider = new Thread[1];
    onMessage.set(round.listenerClosingItsNodeAfter("the outsider's wait"));
    Thread listener = threads.start("io-1", round.guarded(() -> onMessage.invoke("bye")));
    TestThread.await(round.listenerStarted, "the listener");
    outsider[0] = threads.start("app", round.guarded(round::outsiderCloses));
    await()
        .atMost(BOUND)
        .until(() -> String.valueOf(WaitForGraph.describeWait(outsider[0])).contains("slot"));
    round.outsiderClaimed.countDown();
    TestThread.await(round.listenerCloseReturned, "the listener's close");
    assertEquals(
        1, round.outsiderReturned.getCount(), "the outsider returned while the listener ran");
    round.mayFinish.countDown();
    join(outsider[0]);
    join(listener);
    round.check(round.conn.closeFuture());
  }

  /**
   * A listener closes its own node and wins the claim, so the node is CLOSED while the listener
   * still runs (it does not wait for itself). A later close from outside waits for it; so does
   * the close of the parent, also after the node has detached from it.
   */
  @Test
  void close_afterAListenerClosedItsOwnNode_waitsForThatListener() throws Throwable {
    Lifecycle server = Lifecycle.root("server");
    Lifecycle conn = server.child("conn-7");
    CallbackSlot<String> onMessage = conn.slot("onMessage");
    CountDownLatch closedItself = new CountDownLatch(1);
    CountDownLatch mayFinish = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean running =
        new java.util.concurrent.atomic.AtomicBoolean();
    onMessage.set(
        message -> {
          running.set(true);
          conn.close(); // wins: CLOSED, without waiting for this call
          closedItself.countDown();
          TestThread.await(mayFinish, "the test's go");
          running.set(false);
        });
    TestThread io = TestThread.start("io-1", () -> onMessage.invoke("bye"));
    TestThread.await(closedItself, "the listener's own close");
    assertEquals(Lifecycle.State.CLOSED, conn.state());
    assertTrue(server.children().isEmpty(), "a CLOSED child has detached from its parent");
    AtomicReference<Boolean> runningAtConnReturn = new AtomicReference<>();
    AtomicReference<Boolean> runningAtServerReturn = new AtomicReference<>();
    TestThread app =
        TestThread.start(
            "app",
            () -> {
              conn.close();
              runningAtConnReturn.set(running.get());
            });
    TestThread shutdown =
        TestThread.start(
            "shutdown",
            () -> {
              server.close();
              runningAtServerReturn.set(running.get());
            });
    await()
        .atMost(BOUND)
        .until(
            () ->
                String.valueOf(WaitForGraph.describeWait(app)).contains("conn-7/onMessage")
                    && String.valueOf(WaitForGraph.describeWait(shutdown))
                        .contains("conn-7/onMessage"));
    assertEquals(null, runningAtConnReturn.get(), "conn.close() returned while its listener ran");
    assertEquals(null, runningAtServerReturn.get(), "server.close() returned while a listener ran");
    mayFinish.countDown();
    app.joinOrFail();
    shutdown.joinOrFail();
    io.joinOrFail();
    assertFalse(runningAtConnReturn.get());
    assertFalse(runningAtServerReturn.get());
  }

  /**
   * Cross-close: two listeners close each other's connection at once. Both return; one of them
   * is the member of the cycle that did not wait, so the other connection becomes CLOSED, and its
   * {@code closeFuture()} completes, while its listener still runs: inherent, and documented. A
   * slot's {@code resetAsync()}, also after close, completes only once that call has ended.
   */
  @Test
  void close_crossCloseFromListeners_closeFutureMayCompleteFirstButResetAsyncWaitsForTheCall()
      throws Throwable {
    Lifecycle conn1 = Lifecycle.root("conn-1");
    Lifecycle conn2 = Lifecycle.root("conn-2");
    CallbackSlot<String> on1 = conn1.slot("onMessage");
    CallbackSlot<String> on2 = conn2.slot("onMessage");
    java.util.concurrent.CyclicBarrier bothInside = new java.util.concurrent.CyclicBarrier(2);
    java.util.concurrent.atomic.AtomicIntegerArray running =
        new java.util.concurrent.atomic.AtomicIntegerArray(2);
    AtomicReference<String> skipped = new AtomicReference<>();
    AtomicReference<Boolean> otherRunningWhenQuiet = new AtomicReference<>();
    CountDownLatch quiet = new CountDownLatch(1);
    java.util.function.BiFunction<Integer, Lifecycle, java.util.function.Consumer<String>>
        listener =
            (me, other) ->
                message -> {
                  running.set(me, 1);
                  TestThread.awaitBarrier(bothInside);
                  other.close();
                  int them = 1 - me;
                  if (running.get(them) == 1 && other.closeFuture().isDone()) {
                    skipped.set(
                        other.name()); // CLOSED while its listener runs: this close did not wait
                    (them == 0 ? on1 : on2)
                        .resetAsync()
                        .thenRun(
                            () -> {
                              otherRunningWhenQuiet.set(running.get(them) == 1);
                              quiet.countDown();
                            });
                  }
                  running.set(me, 0);
                };
    on1.set(listener.apply(0, conn2));
    on2.set(listener.apply(1, conn1));
    TestThread a = TestThread.start("io-1", () -> on1.invoke("x"));
    TestThread b = TestThread.start("io-2", () -> on2.invoke("y"));
    a.joinOrFail();
    b.joinOrFail();
    assertEquals(Lifecycle.State.CLOSED, conn1.state());
    assertEquals(Lifecycle.State.CLOSED, conn2.state());
    TestThread.await(quiet, "resetAsync of the slot whose call was not waited for");
    assertTrue(skipped.get() != null, "one side of a cross-close is the one that does not wait");
    assertFalse(otherRunningWhenQuiet.get(), "resetAsync completed while the call still ran");
  }

  /**
   * A cycle made only of closers: the application closes the root while an I/O thread closes a
   * child whose owned resource closes the root. Neither thread is inside a callback; one of them
   * returns without waiting (the documented exception), and everything still ends CLOSED.
   */
  @Test
  void close_cycleMadeOnlyOfClosers_bothReturnAndEverythingEndsClosed() throws Throwable {
    Lifecycle root = Lifecycle.root("app");
    Lifecycle child = root.child("conn");
    CountDownLatch rootClaimed = new CountDownLatch(1);
    child.own(
        () -> {
          TestThread.await(rootClaimed, "the root's claim");
          root.close(); // loses to the application's close: waits for it, which waits for us
        });
    TestThread io = TestThread.start("io-1", child::close);
    await().atMost(BOUND).until(() -> child.state() == Lifecycle.State.CLOSING);
    TestThread app = TestThread.start("app", root::close);
    await().atMost(BOUND).until(() -> root.state() != Lifecycle.State.OPEN);
    rootClaimed.countDown();
    io.joinOrFail();
    app.joinOrFail();
    root.closeFuture().get(BOUND.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    assertEquals(Lifecycle.State.CLOSED, child.state());
    assertEquals(Lifecycle.State.CLOSED, root.state());
  }

  private static void join(Thread thread) throws InterruptedException {
    thread.join(BOUND.toMillis());
    assertFalse(thread.isAlive(), () -> "thread '" + thread.getName() + "' hung");
  }

  @Nested
  class PlatformThreads {
    private final Starter threads =
        (name, task) -> {
          Thread thread = new Thread(task, name);
          thread.setDaemon(true);
          thread.start();
          return thread;
        };

    @Test
    void close_listenerOfSameNodeClosesFirst_outsiderReturnsOnlyAfterListener() throws Throwable {
      listenerFirst(threads);
    }

    @Test
    void close_outsiderWaitsFirst_outsiderReturnsOnlyAfterListener() throws Throwable {
      outsiderFirst(threads);
    }
  }

  @Nested
  @EnabledForJreRange(
      min = JRE.JAVA_21,
      disabledReason = "virtual threads need Java 21+; CI runs this on the Temurin 25 JDK")
  class VirtualThreads {
    private final Starter threads = (name, task) -> dev.tether.VirtualThreads.start(task);

    @Test
    void close_listenerOfSameNodeClosesFirst_outsiderReturnsOnlyAfterListener() throws Throwable {
      listenerFirst(threads);
    }

    @Test
    void close_outsiderWaitsFirst_outsiderReturnsOnlyAfterListener() throws Throwable {
      outsiderFirst(threads);
    }
  }
}
