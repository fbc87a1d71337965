package dev.tether;

import static dev.tether.Asserts.assertContains;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.GcFinalization;
import dev.tether.internal.WaitForGraph;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;

/**
 * Tether's JFR events (issue 18), one test each, read back from a recording with
 * {@code jdk.jfr.consumer}. {@code dev.tether.WaitStalled} is tested with the stall reports
 * ({@link StallReportTest}). The names and the {@code target} field are public contract.
 */
class TetherEventsTest {

  @Test
  void invoke_callbackThrows_recordsCallbackFailed() throws Throwable {
    CallbackSlot<String> slot =
        CallbackSlot.<String>builder("conn-1/onMessage").errorHandler((s, error) -> {}).build();
    slot.set(
        v -> {
          throw new IllegalStateException("bad frame " + v);
        });
    List<RecordedEvent> events =
        JfrEvents.during("dev.tether.CallbackFailed", () -> slot.invoke("7"));
    assertEquals(1, events.size(), events.toString());
    RecordedEvent event = events.get(0);
    assertEquals("conn-1/onMessage", event.getString("target"));
    assertEquals(IllegalStateException.class.getName(), event.getString("exceptionClass"));
    assertEquals("bad frame 7", event.getString("message"));
    assertEquals(List.of("Tether"), event.getEventType().getCategoryNames());
  }

  @Test
  void reset_callbackBlockedOnLockTheResetterHolds_recordsCallbackDeadlock() throws Throwable {
    ReentrantLock userLock = new ReentrantLock();
    CallbackSlot<String> slot = CallbackSlot.create("conn-2/onData");
    CountDownLatch entered = new CountDownLatch(1);
    slot.set(
        v -> {
          entered.countDown();
          userLock.lock();
          userLock.unlock();
        });
    List<TestThread> callbackThread = new ArrayList<>();
    List<RecordedEvent> events =
        JfrEvents.during(
            "dev.tether.CallbackDeadlock",
            () -> {
              userLock.lock();
              try {
                callbackThread.add(TestThread.start("io-2", () -> slot.invoke("x")));
                TestThread.await(entered, "callback entry");
                await().atMost(TestThread.BOUND).until(userLock::hasQueuedThreads);
                assertThrows(CallbackDeadlockException.class, slot::reset);
              } finally {
                userLock.unlock();
              }
            });
    callbackThread.get(0).joinOrFail();
    assertEquals(1, events.size(), events.toString());
    RecordedEvent event = events.get(0);
    assertEquals("conn-2/onData", event.getString("target"));
    assertEquals("thread 'io-2'", event.getString("blockedThread"));
    assertContains(event.getString("lock"), "ReentrantLock");
    assertContains(event.getString("chain"), "thread 'io-2' is blocked on");
  }

  @Test
  void reset_crossResetFromTwoCallbacks_recordsOneWaitCycleSkipped() throws Throwable {
    CallbackSlot<String> x = CallbackSlot.create("x");
    CallbackSlot<String> y = CallbackSlot.create("y");
    CyclicBarrier bothInside = new CyclicBarrier(2);
    x.set(
        v -> {
          TestThread.awaitBarrier(bothInside);
          y.reset();
        });
    y.set(
        v -> {
          TestThread.awaitBarrier(bothInside);
          x.reset();
        });
    List<RecordedEvent> events =
        JfrEvents.during(
            "dev.tether.WaitCycleSkipped",
            () -> {
              TestThread a = TestThread.start("A", () -> x.invoke("a"));
              TestThread b = TestThread.start("B", () -> y.invoke("b"));
              a.joinOrFail();
              b.joinOrFail();
            });
    assertEquals(1, events.size(), "one member of the cycle gives up: " + events);
    RecordedEvent event = events.get(0);
    String skipping = event.getString("skippingThread");
    assertTrue(Set.of("thread 'A'", "thread 'B'").contains(skipping), skipping);
    // A waits on y (resetting it from x's callback), B on x.
    assertEquals(skipping.equals("thread 'A'") ? "y" : "x", event.getString("target"));
    assertContains(event.getString("cycle"), "thread 'A'", "thread 'B'");
  }

  @Test
  void reset_waitingForARunningCallback_recordsSlotWait() throws Throwable {
    CallbackSlot<String> slot = CallbackSlot.create("conn-3/onMessage");
    List<RecordedEvent> events =
        JfrEvents.during(
            "dev.tether.SlotWait",
            () -> {
              HeldCallback<String> held = HeldCallback.inFlight(slot, "x", "io-3");
              TestThread resetter = TestThread.start("resetter-3", slot::reset);
              await()
                  .atMost(TestThread.BOUND)
                  .until(() -> WaitForGraph.describeWait(resetter) != null);
              held.release();
              resetter.joinOrFail();
              held.join();
            });
    assertEquals(1, events.size(), events.toString());
    RecordedEvent event = events.get(0);
    assertEquals("conn-3/onMessage", event.getString("target"));
    assertEquals("thread 'io-3'", event.getString("blockingThreads"));
    assertEquals("returned", event.getString("outcome"));
    assertEquals("resetter-3", event.getThread().getJavaName());
    assertFalse(event.getDuration().isNegative());
  }

  @Test
  void close_subtreeWithAFailingResource_recordsLifecycleCloseWithNodesAndFailures()
      throws Throwable {
    Lifecycle app = Lifecycle.root("app");
    Lifecycle conn = app.child("conn");
    conn.child("stream");
    conn.own(
        () -> {
          throw new IOException("socket close failed");
        });
    List<RecordedEvent> events =
        JfrEvents.during(
            "dev.tether.LifecycleClose",
            () -> assertThrows(ResourceCloseException.class, app::close));
    assertEquals(1, events.size(), events.toString());
    RecordedEvent event = events.get(0);
    assertEquals("app", event.getString("target"));
    assertEquals(3, event.getInt("nodesClosed"));
    assertEquals(1, event.getInt("failures"));
    assertFalse(event.getBoolean("handedOver"));
  }

  @Test
  void closeAsync_recordingStoppedWhenCloseFutureCompletes_containsTheWalk() throws Throwable {
    // closeFuture completes on the walking thread: a recording stopped by its first dependent
    // sees the walk only if the walk recorded its event before it published CLOSED.
    Lifecycle app = Lifecycle.root("app");
    app.child("conn");
    try (Recording recording = JfrEvents.start("dev.tether.LifecycleClose")) {
      CompletableFuture<Void> stopped = app.closeFuture().thenRun(recording::stop);
      app.closeAsync();
      stopped.get(10, TimeUnit.SECONDS);
      List<RecordedEvent> walks = JfrEvents.read(recording, "dev.tether.LifecycleClose");
      assertEquals(1, walks.size(), walks.toString());
      assertEquals("app", walks.get(0).getString("target"));
      assertEquals(2, walks.get(0).getInt("nodesClosed"));
    }
  }

  @Test
  void bindOwner_ownerCollectedWhileOpen_recordsLeak() throws Throwable {
    Lifecycle server = Lifecycle.root("server");
    List<LeakReport> reports = Collections.synchronizedList(new ArrayList<>());
    List<RecordedEvent> events =
        JfrEvents.during(
            "dev.tether.Leak",
            () -> {
              try (AutoCloseable listener = Lifecycle.addLeakListener(reports::add)) {
                leak(server);
                GcFinalization.awaitDone(() -> !reports.isEmpty());
              }
            });
    assertEquals(1, events.size(), events.toString());
    assertEquals("server/conn-leaked", events.get(0).getString("target"));
    assertEquals("", events.get(0).getString("creationSite"), "no creation site unless paranoid");
    server.close();
  }

  private static void leak(Lifecycle server) {
    server.child("conn-leaked").bindOwner(new Object());
  }
}
