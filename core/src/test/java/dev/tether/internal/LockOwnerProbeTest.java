package dev.tether.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

/** {@link LockOwnerProbe}: which lock edges make a cycle. */
class LockOwnerProbeTest {

  /** A thread blocked on a user lock the prober holds: a real cycle (the probe can fail). */
  @Test
  @SuppressWarnings("deprecation") // Thread.getId: threadId() is Java 19+
  void find_blockerWaitsForUserLockHeldByWaiter_reportsCycle() throws Exception {
    ReentrantLock userLock = new ReentrantLock();
    userLock.lock();
    Thread blocked = startBlockedOn(userLock::lock, userLock::unlock);
    try {
      await().atMost(Duration.ofSeconds(10)).until(userLock::hasQueuedThreads);
      LockCycle cycle =
          LockOwnerProbe.find(
              Thread.currentThread().getId(), List.of(blocked.getId()), Map.of(), Map.of());
      assertNotNull(cycle);
      assertEquals("blocked", cycle.callbackThreadName());
    } finally {
      userLock.unlock();
      blocked.join(10_000);
    }
    assertFalse(blocked.isAlive());
  }

  /**
   * Regression, found by LifecycleCloseFromCallbackStress: the waiter probes while holding the
   * graph's own lock, and a thread entering the graph at that moment looked like "blocked on a
   * lock owned by the waiter", a false CallbackDeadlockException.
   */
  @Test
  @SuppressWarnings("deprecation")
  void find_blockerEnteringTheGraphWhileWaiterProbes_isNoCycle() throws Exception {
    GraphMutex graphLock = new GraphMutex();
    graphLock.lock();
    Thread blocked = startBlockedOn(graphLock::lock, graphLock::unlock);
    try {
      await().atMost(Duration.ofSeconds(10)).until(graphLock::hasQueuedThreads);
      assertNull(
          LockOwnerProbe.find(
              Thread.currentThread().getId(), List.of(blocked.getId()), Map.of(), Map.of()));
    } finally {
      graphLock.unlock();
      blocked.join(10_000);
    }
    assertFalse(blocked.isAlive());
  }

  private static Thread startBlockedOn(Runnable lock, Runnable unlock) {
    Thread thread =
        new Thread(
            () -> {
              lock.run();
              unlock.run();
            },
            "blocked");
    thread.setDaemon(true);
    thread.start();
    return thread;
  }
}
