package dev.tether;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

/**
 * The slot on virtual threads: reentrancy detection, waiting without pinning, cycle detection.
 * Compiled for Java 17, so virtual threads are started reflectively; the class runs on Java 21+
 * (CI runs it on the Temurin 25 JDK) and is skipped, with that reason, on Java 17.
 *
 * <p>Surefire runs this JVM with {@code -Djdk.virtualThreadScheduler.parallelism=1}: one carrier,
 * so a wait that pinned or spun on its carrier would starve every other virtual thread.
 */
@EnabledForJreRange(
    min = JRE.JAVA_21,
    disabledReason = "virtual threads need Java 21+; run with JAVA_HOME set to a JDK 21+")
class CallbackSlotVirtualThreadTest {

  @Test
  void invoke_reentrantOnVirtualThread_isDetected() throws Throwable {
    CallbackSlot<Integer> slot =
        CallbackSlot.<Integer>builder("onData").reentrancy(Reentrancy.REJECT).build();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    slot.set(
        v -> {
          try {
            slot.invoke(v + 1);
          } catch (ReentrantInvocationException e) {
            thrown.set(e);
          }
        });
    join(VirtualThreads.start(() -> slot.invoke(1)));
    assertInstanceOf(ReentrantInvocationException.class, thrown.get());
  }

  @Test
  void reset_onVirtualThread_waitsWithoutBlockingItsCarrier() throws Throwable {
    CallbackSlot<String> slot = CallbackSlot.create("onMessage");
    HeldCallback<String> held = HeldCallback.inFlight(slot, "x", "io-thread");

    AtomicInteger finishedSeen = new AtomicInteger(-1);
    Thread resetter =
        VirtualThreads.start(
            () -> {
              slot.reset();
              finishedSeen.set(held.finished());
            });
    // With one carrier, this second virtual thread runs only if the waiting reset unmounted.
    CountDownLatch otherVirtualRan = new CountDownLatch(1);
    VirtualThreads.start(otherVirtualRan::countDown);
    assertTrue(
        otherVirtualRan.await(TestThread.BOUND.toMillis(), TimeUnit.MILLISECONDS),
        "a waiting reset() kept its carrier busy");
    assertTrue(resetter.isAlive(), "reset returned while the callback was running");

    held.release();
    join(resetter);
    held.join();
    assertEquals(1, finishedSeen.get());
  }

  @Test
  void reset_crossResetOnVirtualThreads_bothTerminate() throws Throwable {
    for (int round = 0; round < 20; round++) {
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
      Thread a = VirtualThreads.start(() -> x.invoke("a"));
      Thread b = VirtualThreads.start(() -> y.invoke("b"));
      join(a);
      join(b);
      assertFalse(x.isSet() || y.isSet());
    }
  }

  private static void join(Thread thread) throws InterruptedException {
    thread.join(TestThread.BOUND.toMillis());
    assertFalse(thread.isAlive(), "virtual thread did not end: hang");
  }
}
