package dev.tether.samples.docs;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.CallbackDeadlockException;
import dev.tether.CallbackSlot;
import dev.tether.Delivery;
import dev.tether.LeakReport;
import dev.tether.Lifecycle;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The examples of {@code docs/design-guide.md} that are not taken from the sample library: each
 * region cited there runs here, and the test asserts what the guide says about it (for an
 * anti-pattern: the failure it causes, or how Tether reports it). Run just this:
 * {@code ./mvnw -B -q -pl samples -am test -Dexec.skip=true
 * -Dtest='DesignGuideExamplesTest' -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class DesignGuideExamplesTest {
  private static final Duration BOUND = Duration.ofSeconds(10);

  private Lifecycle app;
  private ExecutorService pool;

  @BeforeEach
  void openApp() {
    app = Lifecycle.root("app");
    pool = Executors.newFixedThreadPool(2);
  }

  @AfterEach
  void closeApp() throws Exception {
    app.closeAsync().get(BOUND.toSeconds(), SECONDS);
    pool.shutdown();
    assertTrue(pool.awaitTermination(BOUND.toSeconds(), SECONDS), "pool did not stop");
  }

  // ---- reset before close is unnecessary ----

  @Test
  void close_withoutResettingEachSlotFirst_resetsThemAllAndWaitsForTheRunningListener() {
    Lifecycle conn = app.child("conn-1");
    CallbackSlot<String> onMessage = conn.slot("onMessage");
    CallbackSlot<Void> onClosed = conn.slot("onClosed");
    List<String> events = new CopyOnWriteArrayList<>();
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    onMessage.set(
        message -> {
          inside.countDown();
          awaitLatch(release, "the test to release the listener");
          events.add("listener saw " + message);
        });
    onClosed.set(ignored -> events.add("onClosed"));
    Thread io = start("io", () -> onMessage.invoke("hello"));
    awaitLatch(inside, "the listener to start");
    Thread closer =
        start(
            "closer",
            () -> {
              // @start region="close-not-reset"
      // No onMessage.reset() or onClosed.reset() first: close() resets every slot of the node,
      // waits for the listener running on the I/O thread, then closes what the node owns.
      conn.close();
      // @end region="close-not-reset"
              events.add("close returned");
            });
    awaitWaiting(closer, conn);
    release.countDown();
    join(io);
    join(closer);
    assertEquals(
        List.of("listener saw hello", "close returned"),
        events,
        "close() returned before the running listener, or a reset slot was called");
    assertTrue(onMessage.isClosed() && onClosed.isClosed(), "close() left a slot open");
    assertFalse(onMessage.invoke("late"), "a listener was called after close() returned");
  }

  // ---- destroy only after close returns ----

  @Test
  void close_afterReleasingWhatAListenerTouches_theRunningListenerFindsItReleased() {
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    Lifecycle conn = app.child("conn-2");
    Journal journal = new Journal();
    CallbackSlot<String> onMessage =
        conn.slot(
            CallbackSlot.<String>builder("onMessage")
                .errorHandler((slot, error) -> failures.add(error)));
    onMessage.set(journal::write);
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    journal.beforeEachWrite =
        () -> {
          inside.countDown();
          awaitLatch(release, "the test to release the listener");
        };
    Thread io = start("io", () -> onMessage.invoke("hello"));
    awaitLatch(inside, "the listener to start");
    Thread closer =
        start(
            "closer",
            () -> {
              // @start region="release-before-close"
      journal.close(); // wrong order: a listener running now still writes to the journal
      conn.close();
      // @end region="release-before-close"
            });
    awaitWaiting(closer, conn);
    release.countDown();
    join(io);
    join(closer);
    assertEquals(1, failures.size(), "the listener should have found the journal closed");
    assertEquals("journal is closed", failures.get(0).getMessage());
    assertEquals(List.of("<closed>"), journal.entries);
  }

  @Test
  void own_whatTheListenerTouches_isClosedOnlyAfterTheRunningListenerReturned() {
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    // @start region="own-what-listeners-touch"
    Lifecycle conn = app.child("conn-2");
    Journal journal = conn.own(new Journal()); // closed after the node's slots are reset
    CallbackSlot<String> onMessage = conn.slot("onMessage");
    onMessage.set(journal::write);
    // @end region="own-what-listeners-touch"
    journal.beforeEachWrite =
        () -> {
          inside.countDown();
          awaitLatch(release, "the test to release the listener");
        };
    Thread io = start("io", () -> onMessage.invoke("hello"));
    awaitLatch(inside, "the listener to start");
    Thread closer = start("closer", conn::close);
    awaitWaiting(closer, conn);
    assertEquals(List.of(), journal.entries, "the journal was closed under a running listener");
    release.countDown();
    join(io);
    join(closer);
    assertEquals(
        List.of("hello", "<closed>"),
        journal.entries,
        "the node must close what it owns only after its listeners have returned");
  }

  // ---- a callback must not outlive what it touches ----

  @Test
  void setWeak_viewDroppedByTheUser_isCollectedAndTheSlotEmptiesItself() {
    Lifecycle conn = app.child("conn-3");
    List<String> shown = new CopyOnWriteArrayList<>();
    View view = new View(shown);
    // @start region="weak-listener"
    CallbackSlot<String> onMessage = conn.slot("onMessage");
    // The view belongs to the user and lives as long as the user wants: hold it weakly, and take
    // it from the first parameter. Capturing it (view::show) would keep it alive with the slot.
    onMessage.setWeak(view, (v, message) -> v.show(message));
    // @end region="weak-listener"
    assertTrue(onMessage.invoke("one"));
    WeakReference<View> weakView = new WeakReference<>(view);
    view = null; // the user drops the view and never closes anything
    await("the view to be collected and the slot to empty itself")
        .atMost(BOUND)
        .until(
            () -> {
              System.gc();
              return weakView.get() == null && !onMessage.isSet();
            });
    assertFalse(onMessage.invoke("two"), "the listener of a collected view was called");
    assertEquals(List.of("one"), shown);
  }

  // ---- weak owner binding: a leak is reported, named and closed ----

  // @start region="bind-owner"
  /** The handle users hold. Dropped without close(), it is reported as a leak and closed. */
  static final class Session implements AutoCloseable {
    private final Lifecycle node;

    Session(Lifecycle parent, String name) {
      node = parent.child(name).bindOwner(this); // held weakly: the node never reaches the session
    }

    @Override
    public void close() {
      node.close();
    }
  }
  // @end region="bind-owner"

  @Test
  @SuppressWarnings("try") // the leak listener is registered for the try block, not used in it
  void bindOwner_sessionDroppedWithoutClose_isReportedByPathAndClosed() throws Exception {
    List<LeakReport> leaks = new CopyOnWriteArrayList<>();
    try (AutoCloseable listening = Lifecycle.addLeakListener(leaks::add)) {
      WeakReference<Session> closedSession = openAndClose("session-2");
      Lifecycle leaked = openAndDrop("session-1");
      await("the leak report of app/session-1")
          .atMost(BOUND)
          .until(
              () -> {
                System.gc();
                return leaks.stream().anyMatch(report -> report.path().equals("app/session-1"));
              });
      await("the leaked node to be closed")
          .atMost(BOUND)
          .until(() -> leaked.state() == Lifecycle.State.CLOSED);
      await("the closed session to be collected")
          .atMost(BOUND)
          .until(
              () -> {
                System.gc();
                return closedSession.get() == null;
              });
      assertTrue(
          leaks.stream().noneMatch(report -> report.path().equals("app/session-2")),
          "a session closed before it was dropped was reported as a leak: " + leaks);
    }
  }

  private WeakReference<Session> openAndClose(String name) {
    Session session = new Session(app, name);
    session.close();
    return new WeakReference<>(session);
  }

  private Lifecycle openAndDrop(String name) {
    new Session(app, name); // the user forgets it
    return app.children().stream()
        .filter(node -> node.name().equals(name))
        .findFirst()
        .orElseThrow();
  }

  // ---- no user locks held across a reset ----

  @Test
  void close_holdingALockTheRunningListenerWaitsFor_throwsCallbackDeadlockException() {
    Lifecycle conn = app.child("conn-5");
    CallbackSlot<String> onMessage = conn.slot("onMessage");
    ReentrantLock sessionLock = new ReentrantLock();
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch listenerReturned = new CountDownLatch(1);
    onMessage.set(
        message -> {
          inside.countDown();
          await().atMost(BOUND).until(sessionLock::isLocked); // the closing thread has it now
          sessionLock.lock();
          sessionLock.unlock();
          listenerReturned.countDown();
        });
    start("io", () -> onMessage.invoke("hello"));
    awaitLatch(inside, "the listener to start");
    CallbackDeadlockException thrown =
        assertThrows(
            CallbackDeadlockException.class,
            () -> {
              // @start region="user-lock-held"
      sessionLock.lock();
      try {
        conn.close(); // wrong: the running listener waits for sessionLock, and close for it
      } finally {
        sessionLock.unlock();
      }
      // @end region="user-lock-held"
            });
    assertEquals(conn.path() + "/onMessage", thrown.slotName()); // named with its node's path
    assertEquals("io", thrown.callbackThreadName());
    assertEquals(Thread.currentThread().getName(), thrown.waitingThreadName());
    assertEquals(Lifecycle.State.CLOSED, conn.state(), "the node closes all the same");
    awaitLatch(listenerReturned, "the stuck listener to finish once the lock was free");
    assertFalse(onMessage.invoke("late"));
  }

  // ---- never wait for yourself ----

  @Test
  void close_awaitedFromInsideAListenerOnAnotherThread_onlyTheTimeoutEndsIt() throws Exception {
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    Lifecycle conn = app.child("conn-6");
    CallbackSlot<String> onMessage =
        conn.slot(
            CallbackSlot.<String>builder("onMessage")
                .errorHandler((slot, error) -> failures.add(error)));
    // @start region="wait-for-yourself"
    onMessage.set(message -> {
      // Wrong: the pool thread's close waits for this listener, and this listener waits for that
      // close. A future is invisible to Tether's wait-for graph: only the timeout ends it.
      CompletableFuture.runAsync(conn::close, pool).orTimeout(200, MILLISECONDS).join();
    });
    // @end region="wait-for-yourself"
    assertTrue(onMessage.invoke("bye"));
    assertEquals(1, failures.size(), "the listener's wait should have timed out");
    assertInstanceOf(TimeoutException.class, failures.get(0).getCause());
    conn.closeFuture().get(BOUND.toSeconds(), SECONDS); // the pool's close ends after the listener
  }

  @Test
  void close_fromInsideItsOwnListener_returnsAtOnceAndClosesTheNode() {
    Lifecycle conn = app.child("conn-6");
    CallbackSlot<String> onMessage = conn.slot("onMessage");
    // @start region="close-from-own-listener"
    onMessage.set(message -> conn.close()); // does not wait for this very call
    // @end region="close-from-own-listener"
    assertTrue(onMessage.invoke("bye"));
    assertEquals(Lifecycle.State.CLOSED, conn.state());
    assertTrue(onMessage.isClosed());
  }

  // ---- bounding shutdown, reading dump() ----

  @Test
  void closeAsync_listenerStuckOnAMonitorPastTheTimeout_dumpNamesNodeSlotThreadAndFrame()
      throws Exception {
    Lifecycle server = app.child("server-4711");
    server.slot("onAccept");
    Lifecycle conn = server.child("conn-1", Delivery.serial());
    CallbackSlot<String> onMessage = conn.slot("onMessage");
    conn.slot("onClosed");
    List<String> ledger = new ArrayList<>();
    CountDownLatch inside = new CountDownLatch(1);
    onMessage.set(
        message -> {
          inside.countDown();
          synchronized (ledger) { // held by another part of the program for too long
            ledger.add(message);
          }
        });
    String dump;
    synchronized (ledger) {
      start("tether-io-app/server-4711", () -> onMessage.invoke("hello"));
      awaitLatch(inside, "the listener to start");
      assertThrows(TimeoutException.class, () -> app.closeAsync().get(200, MILLISECONDS));
      dump = app.dump();
    }
    System.out.println(dump);
    assertTrue(dump.startsWith("app [CLOSING]\n"), dump);
    assertTrue(dump.contains("app/server-4711 [CLOSING] slots: onAccept(empty)\n"), dump);
    assertTrue(dump.contains("app/server-4711/conn-1 [CLOSING] lane serial-"), dump);
    assertTrue(
        dump.contains(
            "closing on thread 'tether-close-app', which waits for slot"
                + " 'app/server-4711/conn-1/onMessage'\n    running on thread 'tether-io-app/server-4711'\n      at "),
        dump);
    assertTrue(
        dump.contains(DesignGuideExamplesTest.class.getName() + ".lambda$"),
        "the stuck listener's own frame is not among the top frames:\n" + dump);
    app.closeFuture().get(BOUND.toSeconds(), SECONDS); // the monitor is free: the close ends
    assertEquals(List.of("hello"), ledger);
  }

  // ---- helpers ----

  /** Stands for what a listener touches: a file, a native buffer, a database session. */
  static final class Journal implements AutoCloseable {
    final List<String> entries = new CopyOnWriteArrayList<>();

    /** The tests' hook to hold a listener inside a write. */
    volatile Runnable beforeEachWrite = () -> {};

    private volatile boolean closed;

    void write(String entry) {
      beforeEachWrite.run();
      if (closed) {
        throw new IllegalStateException("journal is closed");
      }
      entries.add(entry);
    }

    @Override
    public void close() {
      closed = true;
      entries.add("<closed>");
    }
  }

  /** Stands for a user's object with a lifetime of its own, such as a window. */
  static final class View {
    private final List<String> shown;

    View(List<String> shown) {
      this.shown = shown;
    }

    void show(String message) {
      shown.add(message);
    }
  }

  private static Thread start(String name, Runnable body) {
    Thread thread = new Thread(body, name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  private static void join(Thread thread) {
    try {
      thread.join(BOUND.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while joining " + thread.getName(), e);
    }
    assertFalse(thread.isAlive(), thread.getName() + " did not finish within " + BOUND);
  }

  private static void awaitLatch(CountDownLatch latch, String what) {
    try {
      assertTrue(latch.await(BOUND.toMillis(), MILLISECONDS), "timed out waiting for " + what);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted waiting for " + what, e);
    }
  }

  /** Until {@code closer} has started closing {@code node} and is parked, waiting. */
  private static void awaitWaiting(Thread closer, Lifecycle node) {
    await(closer.getName() + " to wait in the close of " + node.path())
        .atMost(BOUND)
        .until(
            () ->
                node.state() == Lifecycle.State.CLOSING
                    && (closer.getState() == Thread.State.WAITING
                        || closer.getState() == Thread.State.TIMED_WAITING));
  }
}
