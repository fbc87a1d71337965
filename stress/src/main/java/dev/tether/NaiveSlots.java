package dev.tether;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Naive callback-slot designs that the jcstress canaries ({@code Broken*} variants of the
 * {@code Slot*Stress} harnesses) drive in place of {@link CallbackSlot}. Each models a design that
 * real callback libraries have shipped, and each violates one {@code CallbackSlot} guarantee; a
 * harness is trusted only because its canary is observed failing.
 *
 * <p>Every wait here is bounded by {@link #HANG_NANOS}: a wait that would deadlock throws
 * {@link Hang} instead of blocking forever, and the harness records it as the FORBIDDEN
 * {@link #HANG} sentinel outcome (jcstress has no hang detection of its own); any other exception
 * of a model becomes {@link #THREW} (see {@link #failure}). A bounded wait may also time out
 * when the scheduler deschedules the awaited thread for longer than the bound; that too is
 * reported as a hang, which is harmless in a canary that must fail anyway.
 */
final class NaiveSlots {
  /** Bound of every wait in a canary; far longer than any callback in the harnesses runs. */
  static final long HANG_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  /**
   * Outcome sentinel: a canary's model hit a bounded wait ({@link Hang}): the design would have
   * hung. No ACCEPTABLE outcome of any harness contains it, so it is always FORBIDDEN.
   */
  static final int HANG = -1;

  /**
   * Outcome sentinel: a canary's model threw something other than {@link Hang} (a naive design may
   * fail by throwing). Always FORBIDDEN, like {@link #HANG}.
   */
  static final int THREW = -2;

  /**
   * Appended to the FORBIDDEN description of every harness whose canary records these sentinels
   * (the outcomes are stated once, for the real subject and its canaries alike), so that the
   * canary's report names them.
   */
  static final String SENTINELS =
      " In a canary, -1 (its model's bounded wait would have hung) or -2 (its model threw) is"
          + " forbidden too.";

  /** Pause instructions between reading and clearing the kept value in NaiveReplaySlot. */
  static final int REPLAY_WINDOW_SPIN = 200;

  private NaiveSlots() {}

  /** Thrown by a canary when a bounded wait times out: the naive design would have hung. */
  static final class Hang extends RuntimeException {
    private static final long serialVersionUID = 1L;

    static final Hang INSTANCE = new Hang();

    private Hang() {
      super("bounded wait timed out: the naive design deadlocks here", null, false, false);
    }
  }

  /**
   * The FORBIDDEN sentinel for an exception a canary's model threw: {@link #HANG} or
   * {@link #THREW}.
   *
   * <p>Every actor and arbiter of every canary catches {@code RuntimeException} from its model
   * and records this instead of letting it escape: jcstress reports an escaped exception as an
   * ERROR, which is not a forbidden outcome, so a canary whose model threw (a bounded wait that
   * timed out on a loaded machine, say) would not count as caught, and the build's verdict would
   * depend on luck and load. {@code Error}s are not caught: they are not the model failing.
   */
  static int failure(RuntimeException e) {
    return e instanceof Hang ? HANG : THREW;
  }

  /**
   * Marks a canary: a test class ({@code Broken*}) that drives a deliberately broken model in place
   * of the real subject (a naive design from this class, {@link NaiveLifecycles} or {@link
   * NaiveLanes}; in {@link LifecycleOutsideCloserStress}, the real code on a broken wait-for
   * graph).
   */
  interface Canary {}

  /**
   * What an actor does with an exception of its test's subject. Each harness writes its actors
   * once, for {@code Actual} and its canaries alike: in a {@link Canary} this returns the
   * FORBIDDEN sentinel ({@link #failure(RuntimeException)}); in {@code Actual} it rethrows
   * {@code e}, so that an exception of the real code escapes, and jcstress reports it as an ERROR
   * with its stack trace, which fails CI.
   *
   * @param test the test class instance whose actor caught {@code e}
   */
  static int failure(Object test, RuntimeException e) {
    if (test instanceof Canary) {
      return failure(e);
    }
    throw e;
  }

  /**
   * Where the actors of a canary that have no result object (or whose fields the arbiter writes)
   * record their model's exception; the arbiter reports it in place of one of its fields.
   */
  static final class Failures {
    private volatile int first; // 0: no actor's model threw

    /** Records {@code sentinel} ({@link #HANG} or {@link #THREW}) unless one is recorded. */
    void record(int sentinel) {
      if (first == 0) {
        first = sentinel; // racy "first", harmless: either sentinel is FORBIDDEN
      }
    }

    /** The recorded sentinel, or {@code value} if no actor's model threw. */
    int or(int value) {
      int f = first;
      return f != 0 ? f : value;
    }
  }

  /** Spins about {@code n} pause instructions; keeps a callback in flight without sleeping. */
  static void spin(int n) {
    for (int i = 0; i < n; i++) {
      Thread.onSpinWait();
    }
  }

  /** Spins until {@code condition} holds, or throws {@link Hang} after {@link #HANG_NANOS}. */
  static void awaitBounded(BooleanSupplier condition) {
    long deadline = System.nanoTime() + HANG_NANOS;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw Hang.INSTANCE;
      }
      Thread.onSpinWait();
    }
  }

  /**
   * The plainest slot: an {@code AtomicReference}; {@code reset} is {@code getAndSet(null)} and
   * {@code set} a swap, neither waiting for a call in flight. invoke reads the reference and calls
   * what it read, so a call can start after, or still run when, reset or set returns.
   */
  static final class RefSlot<T> {
    private final AtomicReference<Consumer<? super T>> ref;

    RefSlot(Consumer<? super T> callback) {
      ref = new AtomicReference<>(callback);
    }

    boolean invoke(T value) {
      Consumer<? super T> callback = ref.get();
      if (callback == null) {
        return false;
      }
      callback.accept(value);
      return true;
    }

    boolean reset() {
      return ref.getAndSet(null) != null;
    }

    void set(Consumer<? super T> callback) {
      ref.getAndSet(callback);
    }
  }

  /**
   * Counts calls in flight and has reset wait for the count to reach zero, the caller's own call
   * included: correct against other threads, but a callback that resets its own slot waits for
   * itself forever.
   */
  static final class CountingSlot<T> {
    private final AtomicReference<Consumer<? super T>> ref;
    private final AtomicInteger inFlight = new AtomicInteger();

    CountingSlot(Consumer<? super T> callback) {
      ref = new AtomicReference<>(callback);
    }

    boolean invoke(T value) {
      inFlight.incrementAndGet();
      try {
        Consumer<? super T> callback = ref.get();
        if (callback == null) {
          return false;
        }
        callback.accept(value);
        return true;
      } finally {
        inFlight.decrementAndGet();
      }
    }

    /** @throws Hang when the wait for calls in flight (its own call included) would not end */
    boolean reset() {
      boolean removed = ref.getAndSet(null) != null;
      awaitBounded(() -> inFlight.get() == 0);
      return removed;
    }
  }

  /**
   * The libdatachannel design (issue 1181): a per-slot lock held while the callback runs, and
   * reset takes the same lock. Correct for one slot, but a callback of X that resets Y while a
   * callback of Y resets X deadlocks (lock-order inversion). Lock acquisitions are bounded.
   */
  static final class LockHeldSlot<T> {
    private final ReentrantLock lock = new ReentrantLock();
    private Consumer<? super T> callback; // guarded by lock

    LockHeldSlot(Consumer<? super T> callback) {
      this.callback = callback;
    }

    /** @throws Hang when the lock is not acquired within the bound */
    boolean invoke(T value) {
      lockBounded();
      try {
        if (callback == null) {
          return false;
        }
        callback.accept(value);
        return true;
      } finally {
        lock.unlock();
      }
    }

    /** @throws Hang when the lock is not acquired within the bound */
    boolean reset() {
      lockBounded();
      try {
        boolean removed = callback != null;
        callback = null;
        return removed;
      } finally {
        lock.unlock();
      }
    }

    private void lockBounded() {
      boolean locked;
      try {
        locked = lock.tryLock(HANG_NANOS, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        locked = false;
      }
      if (!locked) {
        throw Hang.INSTANCE;
      }
    }
  }

  /**
   * A slot for a single invoking thread whose winning reset waits for the call in flight (skipping
   * the caller's own call), but whose losing reset returns false at once: "nothing removed by me,
   * nothing to wait for". A reset that loses to a callback's own reset returns while that call
   * still runs.
   */
  static final class LoserNoWaitSlot<T> {
    private final AtomicReference<Consumer<? super T>> ref;
    private volatile Thread runner;

    LoserNoWaitSlot(Consumer<? super T> callback) {
      ref = new AtomicReference<>(callback);
    }

    boolean invoke(T value) {
      runner = Thread.currentThread(); // volatile store, then re-read: a Dekker pair with reset
      try {
        Consumer<? super T> callback = ref.get();
        if (callback == null) {
          return false;
        }
        callback.accept(value);
        return true;
      } finally {
        runner = null;
      }
    }

    /** @throws Hang when the winner's wait for the call in flight does not end within the bound */
    boolean reset() {
      if (ref.getAndSet(null) == null) {
        return false; // the bug: the loser does not wait for the winner's removal
      }
      Thread self = Thread.currentThread();
      awaitBounded(
          () -> {
            Thread running = runner;
            return running == null || running == self;
          });
      return true;
    }
  }

  /**
   * Replay of the latest value, naively. {@code recheck == false}: invoke checks "callback set?",
   * finds none and stores the value without checking again, so a set that drained the (still
   * empty) store in between never sees it: the value is lost. {@code recheck == true}: invoke
   * stores and checks again, but both sides read the stored value before clearing it (no atomic
   * take), so both may deliver it: twice.
   */
  static final class NaiveReplaySlot<T> {
    private final boolean recheck;
    private final AtomicReference<Consumer<? super T>> ref = new AtomicReference<>();
    private volatile T pending;

    NaiveReplaySlot(boolean recheck) {
      this.recheck = recheck;
    }

    boolean invoke(T value) {
      Consumer<? super T> callback = ref.get();
      if (callback != null) {
        callback.accept(value);
        return true;
      }
      if (!recheck) {
        // Widens the lost-value window (no callback seen, value not yet stored), as the spin in
        // deliverPending widens the double delivery: under load a short run missed it otherwise.
        spin(REPLAY_WINDOW_SPIN);
      }
      pending = value;
      if (recheck) {
        callback = ref.get();
        if (callback != null) {
          deliverPending(callback);
        }
      }
      return true;
    }

    void set(Consumer<? super T> callback) {
      ref.set(callback);
      deliverPending(callback);
    }

    private void deliverPending(Consumer<? super T> callback) {
      T kept = pending; // read, then clear: not one atomic take
      if (kept != null) {
        // The window exists without this spin; widening it lets a short CI run catch the double
        // delivery in every JVM configuration instead of a few times per million samples.
        spin(REPLAY_WINDOW_SPIN);
        pending = null;
        callback.accept(kept);
      }
    }
  }

  /**
   * A two-tier slot whose remover forgets the overflow: the threads in {@code marked} (the
   * inline records of {@code CallbackSlot}) publish an in-flight mark and reset waits for it, as
   * {@code CallbackSlot} does; every other thread (the overflow path) calls with no mark at all,
   * so reset neither sees nor waits for its call. Models an overflow structure the remover does
   * not scan. Waits are bounded.
   */
  static final class UnscannedOverflowSlot<T> {
    private final AtomicReference<Consumer<? super T>> ref;
    private final Thread marked;
    private final AtomicReference<Consumer<? super T>> mark = new AtomicReference<>();

    UnscannedOverflowSlot(Consumer<? super T> callback, Thread marked) {
      this.ref = new AtomicReference<>(callback);
      this.marked = marked;
    }

    boolean invoke(T value) {
      Consumer<? super T> callback = ref.get();
      if (callback == null) {
        return false;
      }
      if (Thread.currentThread() != marked) {
        callback.accept(value); // the overflow path: no mark
        return true;
      }
      mark.set(callback);
      try {
        if (ref.get() != callback) {
          return false;
        }
        callback.accept(value);
        return true;
      } finally {
        mark.set(null);
      }
    }

    /** @throws Hang when a marked call does not end within the bound */
    boolean reset() {
      Consumer<? super T> removed = ref.getAndSet(null);
      if (removed != null) {
        awaitBounded(() -> mark.get() != removed);
      }
      return removed != null;
    }
  }
}
