package dev.tether.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.AbstractQueuedSynchronizer;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;

/**
 * The wait-for graph's own lock: a plain, non-reentrant mutex (the example of
 * {@link AbstractQueuedSynchronizer}'s documentation). It exists as a class of its own so that
 * {@link LockOwnerProbe} can tell it from user locks: a waiter probes while holding it, so a
 * thread that is just entering the graph shows up in {@code ThreadMXBean} as "blocked on a lock
 * owned by the waiter", which is no deadlock (its holder never blocks while holding it).
 *
 * <p>It is a {@link Lock} so that Error Prone's GuardedBy check sees where it is held.
 */
final class GraphMutex extends AbstractQueuedSynchronizer implements Lock {
  private static final long serialVersionUID = 1L;

  @Override
  public void lock() {
    acquire(1);
  }

  @Override
  public void lockInterruptibly() throws InterruptedException {
    acquireInterruptibly(1);
  }

  @Override
  public boolean tryLock() {
    return tryAcquire(1);
  }

  @Override
  public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
    return tryAcquireNanos(1, unit.toNanos(time));
  }

  @Override
  public void unlock() {
    release(1);
  }

  @Override
  public Condition newCondition() {
    return new ConditionObject();
  }

  @Override
  protected boolean tryAcquire(int ignored) {
    if (compareAndSetState(0, 1)) {
      setExclusiveOwnerThread(Thread.currentThread());
      return true;
    }
    return false;
  }

  @Override
  protected boolean tryRelease(int ignored) {
    if (getExclusiveOwnerThread() != Thread.currentThread()) {
      throw new IllegalMonitorStateException("the wait-for graph's lock is not held");
    }
    setExclusiveOwnerThread(null);
    setState(0);
    return true;
  }

  @Override
  protected boolean isHeldExclusively() {
    return getExclusiveOwnerThread() == Thread.currentThread();
  }
}
