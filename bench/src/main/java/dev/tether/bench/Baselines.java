package dev.tether.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Consumer;

/**
 * The designs {@code CallbackSlot} is measured against, each with the same three operations.
 * Which ones keep reset()'s guarantee (the removed callback is not running when reset returns):
 * <ul>
 *   <li>{@link VolatileField}: none; the floor.
 *   <li>{@link SynchronizedHeld}, {@link ReentrantLockHeld}: yes (libdatachannel's design: the lock
 *       is held while the callback runs), but a callback that resets its own slot from another
 *       thread's lock, or two slots reset crosswise, deadlock; invokers serialize.
 *   <li>{@link ReadWriteLockHeld}, {@link StampedLockHeld}: yes; invokers share the read lock, but
 *       every invoke writes the lock word (a contended cache line).
 *   <li>{@link AtomicSwap}: no; reset does not wait for a running call.
 *   <li>{@link SharedCounter}: yes; one in-flight counter per slot, an atomic add in and out of
 *       every call, so every invoking thread writes the same cache line.
 * </ul>
 */
final class Baselines {
  private Baselines() {}

  /** A {@code volatile Consumer} field called directly. No guarantee at all. */
  static final class VolatileField<T> {
    private volatile Consumer<? super T> callback;

    void set(Consumer<? super T> callback) {
      this.callback = callback;
    }

    boolean reset() {
      Consumer<? super T> removed = callback;
      callback = null;
      return removed != null;
    }

    boolean invoke(T value) {
      Consumer<? super T> c = callback;
      if (c == null) {
        return false;
      }
      c.accept(value);
      return true;
    }
  }

  /**
   * The floor of any design that keeps reset's guarantee without a lock: one in-flight mark,
   * written with a volatile store (the StoreLoad fence the Dekker handshake with reset needs),
   * re-checked, cleared with a release store. No thread lookup, no reentrancy, no waiting side:
   * single-threaded use only. What {@code CallbackSlot.invoke} costs beyond this is its own.
   */
  static final class FenceFloor<T> {
    private static final VarHandle MARK;

    static {
      try {
        MARK = MethodHandles.lookup().findVarHandle(FenceFloor.class, "mark", Object.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private volatile Consumer<? super T> callback;

    @SuppressWarnings("unused") // accessed through MARK
    private volatile Object mark;

    void set(Consumer<? super T> callback) {
      this.callback = callback;
    }

    boolean invoke(T value) {
      Consumer<? super T> c = callback;
      if (c == null) {
        return false;
      }
      MARK.setVolatile(this, c);
      if (callback != c) {
        MARK.setRelease(this, null);
        return false;
      }
      c.accept(value);
      MARK.setRelease(this, null);
      return true;
    }
  }

  /** libdatachannel's design with a monitor: set, reset and the whole call under one lock. */
  static final class SynchronizedHeld<T> {
    private Consumer<? super T> callback;

    synchronized void set(Consumer<? super T> callback) {
      this.callback = callback;
    }

    synchronized boolean reset() {
      Consumer<? super T> removed = callback;
      callback = null;
      return removed != null;
    }

    synchronized boolean invoke(T value) {
      Consumer<? super T> c = callback;
      if (c == null) {
        return false;
      }
      c.accept(value);
      return true;
    }
  }

  /** libdatachannel's design with a {@link ReentrantLock} (its {@code std::recursive_mutex}). */
  static final class ReentrantLockHeld<T> {
    private final ReentrantLock lock = new ReentrantLock();
    private Consumer<? super T> callback;

    void set(Consumer<? super T> callback) {
      lock.lock();
      try {
        this.callback = callback;
      } finally {
        lock.unlock();
      }
    }

    boolean reset() {
      lock.lock();
      try {
        Consumer<? super T> removed = callback;
        callback = null;
        return removed != null;
      } finally {
        lock.unlock();
      }
    }

    boolean invoke(T value) {
      lock.lock();
      try {
        Consumer<? super T> c = callback;
        if (c == null) {
          return false;
        }
        c.accept(value);
        return true;
      } finally {
        lock.unlock();
      }
    }
  }

  /** Read lock around the call, write lock for set and reset. */
  static final class ReadWriteLockHeld<T> {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private Consumer<? super T> callback;

    void set(Consumer<? super T> callback) {
      lock.writeLock().lock();
      try {
        this.callback = callback;
      } finally {
        lock.writeLock().unlock();
      }
    }

    boolean reset() {
      lock.writeLock().lock();
      try {
        Consumer<? super T> removed = callback;
        callback = null;
        return removed != null;
      } finally {
        lock.writeLock().unlock();
      }
    }

    boolean invoke(T value) {
      lock.readLock().lock();
      try {
        Consumer<? super T> c = callback;
        if (c == null) {
          return false;
        }
        c.accept(value);
        return true;
      } finally {
        lock.readLock().unlock();
      }
    }
  }

  /** {@link StampedLock} read lock around the call (a real read lock: the call may not be retried). */
  static final class StampedLockHeld<T> {
    private final StampedLock lock = new StampedLock();
    private Consumer<? super T> callback;

    void set(Consumer<? super T> callback) {
      long stamp = lock.writeLock();
      try {
        this.callback = callback;
      } finally {
        lock.unlockWrite(stamp);
      }
    }

    boolean reset() {
      long stamp = lock.writeLock();
      try {
        Consumer<? super T> removed = callback;
        callback = null;
        return removed != null;
      } finally {
        lock.unlockWrite(stamp);
      }
    }

    boolean invoke(T value) {
      long stamp = lock.readLock();
      try {
        Consumer<? super T> c = callback;
        if (c == null) {
          return false;
        }
        c.accept(value);
        return true;
      } finally {
        lock.unlockRead(stamp);
      }
    }
  }

  /** {@link AtomicReference} swap: reset returns at once, even while the callback runs. */
  static final class AtomicSwap<T> {
    private final AtomicReference<Consumer<? super T>> callback = new AtomicReference<>();

    void set(Consumer<? super T> callback) {
      this.callback.set(callback);
    }

    boolean reset() {
      return callback.getAndSet(null) != null;
    }

    boolean invoke(T value) {
      Consumer<? super T> c = callback.get();
      if (c == null) {
        return false;
      }
      c.accept(value);
      return true;
    }
  }

  /**
   * One shared in-flight counter: invoke adds one (the fence of the Dekker pair with reset),
   * re-checks the callback, calls, subtracts one; reset swaps the callback out and waits (parking
   * briefly) until the counter reads zero. No reentrancy handling and no cycle detection.
   */
  static final class SharedCounter<T> {
    private final java.util.concurrent.atomic.AtomicInteger inFlight =
        new java.util.concurrent.atomic.AtomicInteger();
    private volatile Consumer<? super T> callback;

    void set(Consumer<? super T> callback) {
      reset();
      this.callback = callback;
    }

    boolean reset() {
      Consumer<? super T> removed = callback;
      callback = null;
      while (inFlight.get() != 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(10_000);
      }
      return removed != null;
    }

    boolean invoke(T value) {
      Consumer<? super T> c = callback;
      if (c == null) {
        return false;
      }
      inFlight.incrementAndGet();
      try {
        if (callback != c) {
          return false;
        }
        c.accept(value);
        return true;
      } finally {
        inFlight.decrementAndGet();
      }
    }
  }
}
