package dev.tether;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Naive serial-lane designs that the jcstress canaries ({@code Broken*} variants of the
 * {@code Lane*Stress} harnesses) drive in place of a serial {@link Delivery}. Each breaks exactly
 * one lane guarantee and is otherwise a correct drain-by-one combining queue; a harness is
 * trusted only because its canary is observed failing. Waits are bounded as in
 * {@link NaiveSlots}: a would-be deadlock throws {@link NaiveSlots.Hang}.
 */
final class NaiveLanes {
  /** Pause instructions between the racy claim's check and its write (RacyClaimLane). */
  static final int CLAIM_WINDOW_SPIN = 100;

  /**
   * Pause instructions that widen JUMP_WHEN_IDLE's race, which unwidened was caught about once in
   * 100,000 samples, so that a short run on a loaded machine (a few thousand samples a second)
   * often missed it. The race: a producer's call is queued after the drainer found the queue
   * empty but before it let go, and the producer's next call, finding the lane idle, runs first.
   * The drainer spins between finding the queue empty and letting go ({@code QUEUED_SPIN}: a call
   * queued then is left behind), and between letting go and its re-check
   * ({@code RELEASE_WINDOW_SPIN}: the lane looks idle with a call queued); the producer spins
   * after a call it queued ({@code QUEUED_SPIN}), so that its next call lands in the second
   * window rather than the first. The design is unchanged; only these windows are wider.
   */
  static final int RELEASE_WINDOW_SPIN = 300;

  /** See {@link #RELEASE_WINDOW_SPIN}. */
  static final int QUEUED_SPIN = 100;

  private NaiveLanes() {}

  /** What a lane is allowed to get wrong; NONE is a correct lane. */
  enum Flaw {
    /** Correct. */
    NONE,
    /** The drain claim is check-then-act on a flag: two invokers can both drain at once. */
    RACY_CLAIM,
    /** Calls are kept on a stack (a Treiber stack is simpler than a queue): LIFO order. */
    LIFO,
    /**
     * An executor lane with a "fast path": an invoke that finds the lane idle drains on its own
     * thread instead of on the executor, running user code on the I/O thread.
     */
    CALLER_RUNS_WHEN_IDLE,
    /**
     * A serial lane with an idle "fast path" that does not look at the queue: an invoke that
     * claims an idle lane runs its call at once, ahead of a call another thread queued just
     * before the last drainer let go (that thread's invoke has already returned).
     */
    JUMP_WHEN_IDLE
  }

  /** A lane of calls; each call is a Runnable made by a {@link Slot} at invoke time. */
  static final class Lane {
    private final Flaw flaw;
    private final Executor executor; // null: drained by invokers
    private final Deque<Runnable> calls = new ConcurrentLinkedDeque<>();
    private final AtomicBoolean draining = new AtomicBoolean();

    Lane(Flaw flaw) {
      this(flaw, null);
    }

    Lane(Flaw flaw, Executor executor) {
      this.flaw = flaw;
      this.executor = executor;
    }

    void submit(Runnable call) {
      if (flaw == Flaw.JUMP_WHEN_IDLE && !draining.get() && claim()) {
        call.run(); // Delivery checks that the queue is empty first; this does not
        drain();
        return;
      }
      if (flaw == Flaw.LIFO) {
        calls.addFirst(call);
      } else {
        calls.addLast(call);
      }
      if (claim()) {
        if (executor == null || flaw == Flaw.CALLER_RUNS_WHEN_IDLE) {
          drain();
        } else {
          executor.execute(this::drain);
        }
      } else if (flaw == Flaw.JUMP_WHEN_IDLE) {
        NaiveSlots.spin(QUEUED_SPIN); // widens the race: see RELEASE_WINDOW_SPIN
      }
    }

    private boolean claim() {
      if (flaw == Flaw.RACY_CLAIM) {
        if (draining.get()) {
          return false;
        }
        NaiveSlots.spin(CLAIM_WINDOW_SPIN);
        draining.set(true);
        return true;
      }
      return draining.compareAndSet(false, true);
    }

    private void drain() {
      for (; ; ) {
        Runnable call;
        while ((call = calls.pollFirst()) != null) {
          call.run();
        }
        if (flaw == Flaw.JUMP_WHEN_IDLE) {
          NaiveSlots.spin(QUEUED_SPIN); // widens the race: see RELEASE_WINDOW_SPIN
        }
        draining.set(false);
        if (flaw == Flaw.JUMP_WHEN_IDLE) {
          NaiveSlots.spin(RELEASE_WINDOW_SPIN);
        }
        if (calls.isEmpty() || !claim()) {
          return;
        }
      }
    }

    /**
     * libdatachannel's {@code Processor::join}: waits until the lane is idle. Called from inside
     * one of the lane's own calls, it waits for itself.
     *
     * @throws NaiveSlots.Hang when the wait would not end
     */
    void join() {
      NaiveSlots.awaitBounded(() -> !draining.get() && calls.isEmpty());
    }
  }

  /**
   * A slot on a naive lane: invoke captures the callback installed now and queues a call of it;
   * reset clears the callback and waits (bounded) for a call in flight on another thread. The
   * queued calls keep the callback they captured, so one may run after reset returns.
   */
  static final class Slot<T> {
    private final Lane lane;
    private volatile Consumer<? super T> callback;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ThreadLocal<int[]> ownCalls = ThreadLocal.withInitial(() -> new int[1]);

    Slot(Lane lane, Consumer<? super T> callback) {
      this.lane = lane;
      this.callback = callback;
    }

    boolean invoke(T value) {
      Consumer<? super T> captured = callback;
      if (captured == null) {
        return false;
      }
      lane.submit(
          () -> {
            inFlight.incrementAndGet();
            ownCalls.get()[0]++;
            try {
              captured.accept(value);
            } finally {
              ownCalls.get()[0]--;
              inFlight.decrementAndGet();
            }
          });
      return true;
    }

    /** @throws NaiveSlots.Hang when the wait for another thread's call would not end */
    void reset() {
      callback = null;
      int own = ownCalls.get()[0];
      NaiveSlots.awaitBounded(() -> inFlight.get() == own);
    }
  }

  /** An executor that keeps its tasks for the test to run later, on a thread of its choosing. */
  static final class HeldExecutor implements Executor {
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private final java.util.concurrent.locks.ReentrantLock lock =
        new java.util.concurrent.locks.ReentrantLock();
    private int submitted;

    @Override
    public void execute(Runnable task) {
      lock.lock();
      try {
        tasks.addLast(task);
        submitted++;
      } finally {
        lock.unlock();
      }
    }

    /** Runs every task, including ones submitted meanwhile; returns how many were submitted. */
    int runAll() {
      for (; ; ) {
        Runnable task;
        lock.lock();
        try {
          task = tasks.pollFirst();
          if (task == null) {
            return submitted;
          }
        } finally {
          lock.unlock();
        }
        task.run();
      }
    }
  }
}
