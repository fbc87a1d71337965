package dev.tether.samples.gallery;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link ReentrantLock} (reentrant, like libdatachannel's {@code std::recursive_mutex}) that
 * can say who holds it and who is queued on it, so the gallery reports a hang as the wait-for
 * cycle it is, seen in the locks themselves, rather than as a timeout.
 */
final class InspectableLock extends ReentrantLock {
  private static final long serialVersionUID = 1L;

  private final String label;

  InspectableLock(String label) {
    this.label = label;
  }

  /** Whether {@code waiter} is queued on this lock while {@code holder} holds it. */
  boolean blocks(Thread waiter, Thread holder) {
    return getOwner() == holder && hasQueuedThread(waiter);
  }

  /** Whether {@code waiter} is waiting on {@code condition} of this lock; checks at most 100 ms. */
  boolean hasWaiter(Condition condition, Thread waiter) {
    try {
      if (!tryLock(100, TimeUnit.MILLISECONDS)) {
        return false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    try {
      return getWaitingThreads(condition).contains(waiter);
    } finally {
      unlock();
    }
  }

  /** "'waiter' waits for LABEL, held by 'holder'". */
  String describeWait(Thread waiter, Thread holder) {
    return "'" + waiter.getName() + "' waits for " + label + ", held by '" + holder.getName() + "'";
  }

  /** Polls at most {@code bound} until {@code waiter} is queued behind {@code holder}. */
  boolean confirmBlocks(Thread waiter, Thread holder, Duration bound) {
    return Waits.until(() -> blocks(waiter, holder), bound);
  }

  @Override
  public String toString() {
    return label;
  }
}
