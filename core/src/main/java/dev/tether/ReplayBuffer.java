package dev.tether;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/*
 * Implementation notes
 *
 * One buffer per slot, created on the first invoke that finds no callback (most slots never
 * need one). Values are stored boxed so that null is a legal value; EMPTY means "nothing kept".
 * Every operation is on the slow path (no callback set), so the bounded variant simply takes a
 * lock; the latest variant is one atomic swap. take() removes a value atomically, which is what
 * makes delivery exactly-once when an invoke races a set: both try to take, and only one gets it.
 */
abstract class ReplayBuffer {
  static final Object EMPTY = new Object();

  private static final VarHandle DROPPED;

  static {
    try {
      DROPPED = MethodHandles.lookup().findVarHandle(ReplayBuffer.class, "dropped", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Values given up: not kept, superseded, evicted by capacity, or discarded by close. */
  @SuppressWarnings("unused") // accessed through DROPPED
  private volatile long dropped;

  static ReplayBuffer dropping() {
    return new Dropping();
  }

  static ReplayBuffer latest() {
    return new Latest();
  }

  static ReplayBuffer bounded(int capacity) {
    return new Bounded(capacity);
  }

  /** Keeps {@code value} if the policy says so; returns whether it was kept. */
  abstract boolean offer(@Nullable Object value);

  /** Removes and returns the oldest kept value, or {@link #EMPTY}. */
  abstract @Nullable Object take();

  /**
   * Returns a value taken by {@link #take()} that could not be delivered (the callback was removed
   * meanwhile) to the front, where it was: a newer kept value wins over it (latest), and a full
   * buffer drops it as the oldest (bounded); either way it is counted.
   */
  abstract void putBack(@Nullable Object value);

  /** How many values are kept now. */
  abstract int size();

  /** Drops everything kept, counting it; used when the slot closes. */
  final void discardAll() {
    while (take() != EMPTY) {
      countDrop();
    }
  }

  final void countDrop() {
    DROPPED.getAndAdd(this, 1L);
  }

  final long dropped() {
    return (long) DROPPED.getVolatile(this);
  }

  private static final class Dropping extends ReplayBuffer {
    @Override
    boolean offer(@Nullable Object value) {
      countDrop();
      return false;
    }

    @Override
    @Nullable Object take() {
      return EMPTY;
    }

    @Override
    void putBack(@Nullable Object value) {
      countDrop(); // never taken; here for completeness
    }

    @Override
    int size() {
      return 0;
    }
  }

  private static final class Latest extends ReplayBuffer {
    private static final VarHandle VALUE;

    static {
      try {
        VALUE = MethodHandles.lookup().findVarHandle(Latest.class, "value", Object.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    @SuppressWarnings("unused") // accessed through VALUE
    private volatile @Nullable Object value = EMPTY;

    @Override
    boolean offer(@Nullable Object newValue) {
      if (VALUE.getAndSet(this, newValue) != EMPTY) {
        countDrop();
      }
      return true;
    }

    @Override
    @Nullable Object take() {
      return VALUE.getAndSet(this, EMPTY);
    }

    @Override
    void putBack(@Nullable Object older) {
      if (!VALUE.compareAndSet(this, EMPTY, older)) {
        countDrop(); // a newer value arrived meanwhile: it wins
      }
    }

    @Override
    int size() {
      return VALUE.getVolatile(this) == EMPTY ? 0 : 1;
    }
  }

  private static final class Bounded extends ReplayBuffer {
    private static final Object NULL = new Object();

    private final ReentrantLock lock = new ReentrantLock();

    @GuardedBy("lock")
    private final ArrayDeque<Object> values = new ArrayDeque<>();

    private final int capacity;

    Bounded(int capacity) {
      this.capacity = capacity;
    }

    @Override
    boolean offer(@Nullable Object value) {
      lock.lock();
      try {
        if (values.size() == capacity) {
          values.removeFirst();
          countDrop();
        }
        values.addLast(value == null ? NULL : value);
        return true;
      } finally {
        lock.unlock();
      }
    }

    @Override
    @Nullable Object take() {
      lock.lock();
      try {
        Object value = values.pollFirst();
        return value == null ? EMPTY : value == NULL ? null : value;
      } finally {
        lock.unlock();
      }
    }

    @Override
    void putBack(@Nullable Object value) {
      lock.lock();
      try {
        if (values.size() == capacity) {
          countDrop(); // it is the oldest, and the buffer is full
        } else {
          values.addFirst(value == null ? NULL : value);
        }
      } finally {
        lock.unlock();
      }
    }

    @Override
    int size() {
      lock.lock();
      try {
        return values.size();
      } finally {
        lock.unlock();
      }
    }
  }
}
