package dev.tether;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.GcFinalization;
import dev.tether.internal.WaitForGraph;
import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

/**
 * One slot and thousands of virtual threads (issue 17): every call counted, reentrancy detected
 * and resets waited for on the overflow path, and ended threads not kept reachable. Compiled for
 * Java 17, so virtual threads are started reflectively; skipped, with that reason, on Java 17.
 * Surefire runs this JVM with one carrier ({@code -Djdk.virtualThreadScheduler.parallelism=1}).
 */
@EnabledForJreRange(
    min = JRE.JAVA_21,
    disabledReason = "virtual threads need Java 21+; run with JAVA_HOME set to a JDK 21+")
class CallbackSlotManyVirtualThreadsTest {
  private static final int THREADS = 10_000;

  @Test
  void invoke_fromTenThousandLiveVirtualThreads_everyCallRunsOnce() throws Throwable {
    CallbackSlot<Integer> slot = CallbackSlot.create("onData");
    AtomicInteger calls = new AtomicInteger();
    slot.set(v -> calls.incrementAndGet());
    CountDownLatch allInvokedOnce = new CountDownLatch(THREADS);
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      threads.add(
          VirtualThreads.start(
              () -> {
                slot.invoke(1);
                allInvokedOnce.countDown();
                TestThread.await(go, "the second round");
                for (int k = 0; k < 3; k++) {
                  slot.invoke(1);
                  Thread.yield();
                }
              }));
    }
    TestThread.await(allInvokedOnce, "every thread's first invoke");
    go.countDown();
    for (Thread thread : threads) {
      join(thread);
    }
    assertEquals(4 * THREADS, calls.get());
  }

  @Test
  void reset_amongManyVirtualInvokers_waitsForTheOneInFlight() throws Throwable {
    CallbackSlot<Integer> slot = CallbackSlot.create("onData");
    CountDownLatch heldEntered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger heldFinished = new AtomicInteger();
    AtomicInteger callsAfterReset = new AtomicInteger();
    AtomicInteger resetReturned = new AtomicInteger();
    slot.set(
        v -> {
          if (resetReturned.get() != 0) {
            callsAfterReset.incrementAndGet();
          }
          if (v == 0) {
            heldEntered.countDown();
            TestThread.await(release, "release of the held call");
            heldFinished.incrementAndGet();
          }
        });
    List<Thread> threads = new ArrayList<>();
    for (int i = 1; i <= 1_000; i++) { // these take the inline records and the overflow
      int value = i;
      threads.add(VirtualThreads.start(() -> slot.invoke(value)));
    }
    Thread held = VirtualThreads.start(() -> slot.invoke(0)); // an overflow thread, surely
    TestThread.await(heldEntered, "entry of the held call");
    AtomicInteger finishedSeen = new AtomicInteger(-1);
    CountDownLatch resetDone = new CountDownLatch(1);
    Thread resetter =
        VirtualThreads.start(
            () -> {
              slot.reset();
              resetReturned.set(1);
              finishedSeen.set(heldFinished.get());
              resetDone.countDown();
            });
    for (int i = 0; i < 1_000; i++) { // invokes racing and following the reset
      int value = i + 2_000;
      threads.add(VirtualThreads.start(() -> slot.invoke(value)));
    }
    await().atMost(TestThread.BOUND).until(() -> WaitForGraph.describeWait(resetter) != null);
    assertEquals(1, resetDone.getCount(), "reset returned while the held call was running");
    release.countDown();
    join(resetter);
    join(held);
    for (Thread thread : threads) {
      join(thread);
    }
    assertEquals(1, finishedSeen.get());
    assertEquals(0, callsAfterReset.get());
  }

  @Test
  void invoke_reentrantOnVirtualOverflowThreads_isDeferred() throws Throwable {
    CallbackSlot<Integer> slot = CallbackSlot.create("onData");
    AtomicInteger outOfOrder = new AtomicInteger();
    AtomicInteger calls = new AtomicInteger();
    ThreadLocal<Integer> depth = ThreadLocal.withInitial(() -> 0);
    slot.set(
        v -> {
          calls.incrementAndGet();
          if (depth.get() != 0) {
            outOfOrder.incrementAndGet(); // DEFER must never nest
          }
          depth.set(1);
          try {
            if (v == 1) {
              assertTrue(slot.invoke(2));
            }
          } finally {
            depth.set(0);
          }
        });
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      threads.add(VirtualThreads.start(() -> slot.invoke(1)));
    }
    for (Thread thread : threads) {
      join(thread);
    }
    assertEquals(2_000, calls.get());
    assertEquals(0, outOfOrder.get());
  }

  @Test
  void invoke_virtualThreadsThatEnded_areNotKeptReachableBySlot() throws Throwable {
    CallbackSlot<Integer> slot = CallbackSlot.create("onData");
    slot.set(v -> {});
    List<WeakReference<Thread>> ended = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      threads.add(VirtualThreads.start(() -> slot.invoke(1)));
    }
    for (Thread thread : threads) {
      join(thread);
      ended.add(new WeakReference<>(thread));
    }
    threads.clear();
    GcFinalization.awaitDone(() -> reachable(ended) <= InFlight.INLINE_RECORDS);
    assertTrue(reachable(ended) <= InFlight.INLINE_RECORDS);
    Reference.reachabilityFence(slot);
  }

  private static int reachable(List<WeakReference<Thread>> references) {
    int count = 0;
    for (WeakReference<Thread> reference : references) {
      if (reference.get() != null) {
        count++;
      }
    }
    return count;
  }

  private static void join(Thread thread) throws InterruptedException {
    thread.join(TestThread.BOUND.toMillis());
    assertFalse(thread.isAlive(), "virtual thread did not end: hang");
  }
}
