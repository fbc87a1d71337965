package dev.tether;

import static dev.tether.Asserts.assertContains;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.internal.WaitForGraph;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** The three cases where {@code reset()} must not wait, and the cases where it still must. */
class CallbackSlotDeadlockTest {

  /** libdatachannel issue 1181, dotnet/runtime issue 43438: two callbacks resetting each other. */
  @RepeatedTest(50)
  void reset_crossResetFromTwoCallbacks_bothTerminate() throws Exception {
    CallbackSlot<String> x = CallbackSlot.create("x");
    CallbackSlot<String> y = CallbackSlot.create("y");
    CyclicBarrier bothInside = new CyclicBarrier(2);
    AtomicInteger resets = new AtomicInteger();
    x.set(
        v -> {
          TestThread.awaitBarrier(bothInside);
          y.reset();
          resets.incrementAndGet();
        });
    y.set(
        v -> {
          TestThread.awaitBarrier(bothInside);
          x.reset();
          resets.incrementAndGet();
        });
    long skippedBefore = WaitForGraph.skippedCycles();
    TestThread a = TestThread.start("A", () -> x.invoke("a"));
    TestThread b = TestThread.start("B", () -> y.invoke("b"));
    a.joinOrFail();
    b.joinOrFail();
    assertEquals(2, resets.get());
    assertEquals(
        1,
        WaitForGraph.skippedCycles() - skippedBefore,
        "exactly one of the two threads closing the cycle skips its wait; the other waits");
    assertFalse(x.isSet());
    assertFalse(y.isSet());
  }

  @Test
  void reset_threeWayCycle_allTerminate() throws Exception {
    List<CallbackSlot<String>> slots =
        List.of(CallbackSlot.create("x"), CallbackSlot.create("y"), CallbackSlot.create("z"));
    CyclicBarrier allInside = new CyclicBarrier(3);
    for (int i = 0; i < 3; i++) {
      CallbackSlot<String> next = slots.get((i + 1) % 3);
      slots
          .get(i)
          .set(
              v -> {
                TestThread.awaitBarrier(allInside);
                next.reset();
              });
    }
    List<TestThread> threads = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      CallbackSlot<String> slot = slots.get(i);
      threads.add(TestThread.start("T" + i, () -> slot.invoke("go")));
    }
    for (TestThread thread : threads) {
      thread.joinOrFail();
    }
  }

  /** A wait from inside a callback that closes no cycle is a real wait. */
  @Test
  void reset_fromInsideOtherCallbackWithoutCycle_stillWaits() throws Exception {
    CallbackSlot<String> x = CallbackSlot.create("x");
    CallbackSlot<String> y = CallbackSlot.create("y");
    CountDownLatch xEntered = new CountDownLatch(1);
    CountDownLatch releaseX = new CountDownLatch(1);
    AtomicInteger xFinished = new AtomicInteger();
    x.set(
        v -> {
          xEntered.countDown();
          TestThread.await(releaseX, "release of x");
          xFinished.incrementAndGet();
        });
    CountDownLatch resetReturned = new CountDownLatch(1);
    AtomicInteger xFinishedSeen = new AtomicInteger(-1);
    y.set(
        v -> {
          x.reset();
          xFinishedSeen.set(xFinished.get());
          resetReturned.countDown();
        });
    TestThread a = TestThread.start("A", () -> x.invoke("a"));
    TestThread.await(xEntered, "x's callback");
    TestThread b = TestThread.start("B", () -> y.invoke("b"));
    assertFalse(
        resetReturned.await(100, TimeUnit.MILLISECONDS),
        "reset from inside y's callback did not wait for x's callback");
    releaseX.countDown();
    a.joinOrFail();
    b.joinOrFail();
    assertEquals(1, xFinishedSeen.get());
  }

  /** A reentrant reset skips only its own call: calls on other threads are still waited for. */
  @Test
  void reset_fromOwnCallbackWhileOtherThreadAlsoInside_waitsForTheOtherThread() throws Exception {
    CallbackSlot<String> slot = CallbackSlot.create("onMessage");
    CountDownLatch otherEntered = new CountDownLatch(1);
    CountDownLatch releaseOther = new CountDownLatch(1);
    AtomicInteger otherFinished = new AtomicInteger();
    AtomicInteger otherFinishedSeen = new AtomicInteger(-1);
    CountDownLatch resetReturned = new CountDownLatch(1);
    slot.set(
        v -> {
          if (v.equals("other")) {
            otherEntered.countDown();
            TestThread.await(releaseOther, "release");
            otherFinished.incrementAndGet();
          } else {
            slot.reset();
            otherFinishedSeen.set(otherFinished.get());
            resetReturned.countDown();
          }
        });
    TestThread other = TestThread.start("other", () -> slot.invoke("other"));
    TestThread.await(otherEntered, "other call");
    TestThread self = TestThread.start("self", () -> slot.invoke("self"));
    assertFalse(resetReturned.await(100, TimeUnit.MILLISECONDS));
    releaseOther.countDown();
    other.joinOrFail();
    self.joinOrFail();
    assertEquals(1, otherFinishedSeen.get());
  }

  @Test
  void reset_callbackBlockedOnMonitorHeldByResetter_throwsCallbackDeadlockException()
      throws Exception {
    Object userLock = new Object();
    CallbackSlot<String> slot = CallbackSlot.create("onMessage");
    CountDownLatch entered = new CountDownLatch(1);
    AtomicInteger finished = new AtomicInteger();
    slot.set(
        v -> {
          entered.countDown();
          synchronized (userLock) {
            finished.incrementAndGet();
          }
        });
    TestThread callbackThread;
    CallbackDeadlockException e;
    synchronized (userLock) {
      callbackThread = TestThread.start("io-thread", () -> slot.invoke("x"));
      TestThread.await(entered, "callback entry");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> callbackThread.getState() == Thread.State.BLOCKED);
      e = assertThrows(CallbackDeadlockException.class, slot::reset);
    }
    callbackThread.joinOrFail();
    assertDiagnostic(e, "onMessage", "io-thread");
    assertFalse(slot.isSet(), "the slot must be reset all the same");
    assertEquals(1, finished.get());
  }

  @Test
  void reset_callbackBlockedOnReentrantLockHeldByResetter_throwsCallbackDeadlockException()
      throws Exception {
    ReentrantLock userLock = new ReentrantLock();
    CallbackSlot<String> slot = CallbackSlot.create("onData");
    CountDownLatch entered = new CountDownLatch(1);
    slot.set(
        v -> {
          entered.countDown();
          userLock.lock();
          userLock.unlock();
        });
    TestThread callbackThread;
    CallbackDeadlockException e;
    userLock.lock();
    try {
      callbackThread = TestThread.start("io-thread", () -> slot.invoke("x"));
      TestThread.await(entered, "callback entry");
      await().atMost(Duration.ofSeconds(10)).until(userLock::hasQueuedThreads);
      e = assertThrows(CallbackDeadlockException.class, slot::reset);
    } finally {
      userLock.unlock();
    }
    callbackThread.joinOrFail();
    assertDiagnostic(e, "onData", "io-thread");
    assertContains(e.lockName(), "ReentrantLock");
    assertFalse(slot.isSet());
  }

  /**
   * A mixed cycle: main, inside y's callback, resets x; x's callback (thread A) is blocked on a
   * lock held by thread B; B waits in y.reset() for main's y callback. Nobody holds a lock the
   * callback needs directly, so only following owner chains finds it.
   */
  @Test
  void reset_lockChainThroughAnotherWaiter_isDetectedAndEverybodyTerminates() throws Exception {
    ReentrantLock userLock = new ReentrantLock();
    CallbackSlot<String> x = CallbackSlot.create("x");
    AtomicReference<Throwable> yFailure = new AtomicReference<>();
    CallbackSlot<String> y =
        CallbackSlot.<String>builder("y")
            .errorHandler((slot, failure) -> yFailure.set(failure))
            .build();
    CountDownLatch bHoldsLock = new CountDownLatch(1);
    CountDownLatch mainInsideY = new CountDownLatch(1);
    CountDownLatch aEntered = new CountDownLatch(1);
    x.set(
        v -> {
          aEntered.countDown();
          userLock.lock();
          userLock.unlock();
        });
    AtomicReference<Throwable> bFailure = new AtomicReference<>();
    TestThread b =
        TestThread.start(
            "B",
            () -> {
              userLock.lock();
              try {
                bHoldsLock.countDown();
                TestThread.await(mainInsideY, "main inside y");
                y.reset();
              } catch (CallbackDeadlockException e) {
                bFailure.set(e);
              } finally {
                userLock.unlock();
              }
            });
    TestThread.await(bHoldsLock, "B holding the lock");
    TestThread a = TestThread.start("A", () -> x.invoke("a"));
    TestThread.await(aEntered, "x's callback");
    await().atMost(Duration.ofSeconds(10)).until(userLock::hasQueuedThreads);
    y.set(
        v -> {
          mainInsideY.countDown();
          x.reset();
        });
    y.invoke("main");
    a.joinOrFail();
    b.joinOrFail();
    Throwable detected = yFailure.get() != null ? yFailure.get() : bFailure.get();
    assertNotNull(detected, "neither side detected the lock cycle");
    assertInstanceOf(CallbackDeadlockException.class, detected);
    assertTrue(yFailure.get() == null || bFailure.get() == null, "both sides threw");
  }

  private static void assertDiagnostic(
      CallbackDeadlockException e, String slot, String callbackThread) {
    assertInstanceOf(IllegalStateException.class, e);
    assertEquals(slot, e.slotName());
    assertEquals(callbackThread, e.callbackThreadName());
    assertEquals(Thread.currentThread().getName(), e.waitingThreadName());
    assertContains(
        e.getMessage(), slot, callbackThread, Thread.currentThread().getName(), e.lockName());
    assertTrue(
        e.callbackThreadStack().stream()
            .anyMatch(
                frame -> frame.getClassName().startsWith(CallbackSlotDeadlockTest.class.getName())),
        "the callback thread's stack should show the callback: " + e.callbackThreadStack());
    assertNotNull(e.getCause(), "stack attached as cause for loggers");
  }
}
