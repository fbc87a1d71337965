package dev.tether;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.GcFinalization;
import dev.tether.internal.WaitForGraph;
import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The slot beyond its inline records: threads that find every inline record taken use a record
 * that lives only while their call runs (the overflow table of {@link InFlight}). Reentrancy,
 * waiting, cycle detection and the retention of ended threads on that path.
 */
class CallbackSlotOverflowTest {
  private final CountDownLatch occupiersRelease = new CountDownLatch(1);
  private final List<TestThread> occupiers = new ArrayList<>();

  @AfterEach
  void releaseOccupiers() throws InterruptedException {
    occupiersRelease.countDown();
    for (TestThread occupier : occupiers) {
      occupier.joinOrFail();
    }
  }

  /** Gives every inline record of {@code slot} to a live thread, so others take the overflow. */
  private void occupyInlineRecords(CallbackSlot<?> slot) {
    InFlight marks = slot.inFlightForTesting();
    for (int i = 0; i < InFlight.INLINE_RECORDS; i++) {
      TestThread occupier =
          TestThread.start(
              "occupier-" + i, () -> TestThread.await(occupiersRelease, "end of the test"));
      occupiers.add(occupier);
      assertTrue(marks.claimInlineForTesting(occupier), "inline record " + i + " was not free");
    }
    assertFalse(marks.claimInlineForTesting(Thread.currentThread()), "a fifth inline record");
  }

  @Test
  void invoke_overflowThreadsThatEnded_areNotKeptReachableWithoutAnotherInvoke()
      throws InterruptedException {
    CallbackSlot<Integer> slot = CallbackSlot.create("onData");
    AtomicInteger calls = new AtomicInteger();
    slot.set(v -> calls.incrementAndGet());
    int threads = 40;
    List<WeakReference<Thread>> ended = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      TestThread invoker = TestThread.start("invoker-" + i, () -> slot.invoke(1));
      invoker.joinOrFail();
      ended.add(new WeakReference<>(invoker));
    }
    assertEquals(threads, calls.get());
    // No thread invokes the slot from here on. Only the inline records may keep their owners.
    GcFinalization.awaitDone(() -> reachable(ended) <= InFlight.INLINE_RECORDS);
    assertTrue(reachable(ended) <= InFlight.INLINE_RECORDS, reachable(ended) + " reachable");
    Reference.reachabilityFence(slot);
  }

  @Test
  void invoke_afterEarlierInvokersEnded_reclaimsTheirInlineRecords() throws InterruptedException {
    CallbackSlot<Integer> slot = CallbackSlot.create("onData");
    slot.set(v -> {});
    List<WeakReference<Thread>> owners = new ArrayList<>();
    for (int i = 0; i < InFlight.INLINE_RECORDS; i++) {
      TestThread owner = TestThread.start("first-" + i, () -> slot.invoke(1));
      owner.joinOrFail();
      owners.add(new WeakReference<>(owner));
    }
    // This thread is on the overflow path; now and then it looks for an ended inline owner and
    // takes its record (probability 1/64 per invoke: 10^4 invokes miss with odds below 1e-68).
    for (int i = 0; i < 10_000; i++) {
      slot.invoke(i);
    }
    GcFinalization.awaitDone(() -> reachable(owners) < InFlight.INLINE_RECORDS);
    assertTrue(reachable(owners) < InFlight.INLINE_RECORDS);
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

  @Test
  void invoke_reentrantWithRejectOnOverflowThread_isDetected() {
    CallbackSlot<Integer> slot =
        CallbackSlot.<Integer>builder("onData").reentrancy(Reentrancy.REJECT).build();
    occupyInlineRecords(slot);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    slot.set(
        v -> {
          try {
            slot.invoke(v + 1);
          } catch (ReentrantInvocationException e) {
            thrown.set(e);
          }
        });
    assertTrue(slot.invoke(1));
    assertInstanceOf(ReentrantInvocationException.class, thrown.get());
  }

  @Test
  void invoke_reentrantWithDeferOnOverflowThread_runsAfterTheCall() {
    CallbackSlot<Integer> slot = CallbackSlot.create("onData");
    occupyInlineRecords(slot);
    List<String> events = new ArrayList<>();
    slot.set(
        v -> {
          events.add("start " + v);
          if (v < 3) {
            assertTrue(slot.invoke(v + 1));
          }
          events.add("end " + v);
        });
    assertTrue(slot.invoke(1));
    assertEquals(List.of("start 1", "end 1", "start 2", "end 2", "start 3", "end 3"), events);
  }

  @Test
  void invoke_reentrantWithAllowOnOverflowThread_nestsAndAResetFromInsideWaitsForNoOne() {
    CallbackSlot<Integer> slot =
        CallbackSlot.<Integer>builder("onData").reentrancy(Reentrancy.ALLOW).build();
    occupyInlineRecords(slot);
    List<String> events = new ArrayList<>();
    slot.set(
        v -> {
          events.add("start " + v);
          if (v == 1) {
            assertTrue(slot.invoke(2));
            assertTrue(slot.reset()); // the reentrant reset: its own marks are not waited for
          }
          events.add("end " + v);
        });
    assertTrue(slot.invoke(1));
    assertEquals(List.of("start 1", "start 2", "end 2", "end 1"), events);
    assertFalse(slot.isSet());
  }

  @Test
  void set_fromInsideCallbackOnOverflowThread_deliversKeptValuesAfterTheCall() {
    CallbackSlot<Integer> slot =
        CallbackSlot.<Integer>builder("onData").replay(Replay.latest()).build();
    occupyInlineRecords(slot);
    assertTrue(slot.invoke(7)); // kept: no callback yet
    List<String> events = new ArrayList<>();
    slot.set(
        v -> {
          events.add("first " + v);
          slot.set(w -> events.add("second " + w));
          assertTrue(slot.invoke(8)); // deferred: this thread is inside the slot's callback
          events.add("first returns");
        });
    assertEquals(List.of("first 7", "first returns", "second 8"), events);
  }

  @Test
  void reset_callRunningOnAnOverflowThread_waitsForItAndNamesThatThread()
      throws InterruptedException {
    CallbackSlot<String> slot = CallbackSlot.create("onMessage");
    occupyInlineRecords(slot);
    HeldCallback<String> held = HeldCallback.inFlight(slot, "x", "overflow-io");
    AtomicInteger finishedSeen = new AtomicInteger(-1);
    TestThread resetter =
        TestThread.start(
            "resetter",
            () -> {
              slot.reset();
              finishedSeen.set(held.finished());
            });
    await().atMost(TestThread.BOUND).until(() -> WaitForGraph.describeWait(resetter) != null);
    String wait = WaitForGraph.describeWait(resetter);
    assertNotNull(wait);
    assertTrue(wait.contains("running on thread 'overflow-io'"), wait);
    held.releaseAndJoin();
    resetter.joinOrFail();
    assertEquals(1, finishedSeen.get());
  }

  @Test
  void reset_crossResetOnOverflowThreads_bothTerminateAndExactlyOneSkips()
      throws InterruptedException {
    CallbackSlot<String> x = CallbackSlot.create("x");
    CallbackSlot<String> y = CallbackSlot.create("y");
    occupyInlineRecords(x);
    for (TestThread occupier : occupiers.subList(0, InFlight.INLINE_RECORDS)) {
      assertTrue(y.inFlightForTesting().claimInlineForTesting(occupier));
    }
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
    long skippedBefore = WaitForGraph.skippedCycles();
    TestThread a = TestThread.start("a", () -> x.invoke("a"));
    TestThread b = TestThread.start("b", () -> y.invoke("b"));
    a.joinOrFail();
    b.joinOrFail();
    assertEquals(1, WaitForGraph.skippedCycles() - skippedBefore);
    assertFalse(x.isSet());
    assertFalse(y.isSet());
  }

  @Test
  void reset_moreConcurrentOverflowCallsThanTheFirstTableHolds_waitsForEveryOne()
      throws InterruptedException {
    CallbackSlot<Integer> slot = CallbackSlot.create("onData");
    occupyInlineRecords(slot);
    int callers = InFlight.FIRST_BUCKETS * InFlight.BUCKET + 72; // some buckets must overflow
    CountDownLatch allInside = new CountDownLatch(callers);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger finished = new AtomicInteger();
    slot.set(
        v -> {
          allInside.countDown();
          TestThread.await(release, "release of the callers");
          finished.incrementAndGet();
        });
    List<TestThread> threads = new ArrayList<>();
    for (int i = 0; i < callers; i++) {
      threads.add(TestThread.start("caller-" + i, () -> slot.invoke(1)));
    }
    TestThread.await(allInside, "every caller inside the callback");
    AtomicInteger finishedSeen = new AtomicInteger(-1);
    TestThread resetter =
        TestThread.start(
            "resetter",
            () -> {
              slot.reset();
              finishedSeen.set(finished.get());
            });
    await().atMost(TestThread.BOUND).until(() -> WaitForGraph.describeWait(resetter) != null);
    assertTrue(resetter.isAlive(), "reset returned while " + callers + " calls were running");
    release.countDown();
    resetter.joinOrFail();
    assertEquals(callers, finishedSeen.get());
    for (TestThread thread : threads) {
      thread.joinOrFail();
    }
  }
}
