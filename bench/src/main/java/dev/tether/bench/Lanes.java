package dev.tether.bench;

import dev.tether.BenchLaneQueue;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import org.jctools.queues.MessagePassingQueue;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The serial lanes {@code Delivery.serial()} is measured against ({@link LaneBenchmark},
 * {@link LaneQueueBenchmark}): the same drain-by-one combining algorithm as {@code Delivery}
 * (see its implementation notes), written here over other queues, without Tether's removal
 * check, reentrancy or exception handling. Producers enqueue, then claim a padded int state
 * IDLE -> DRAINING by CAS; the winner polls and calls until the queue is empty, releases with a
 * volatile store, re-checks {@code isEmpty()} and re-claims if a call arrived meanwhile.
 *
 * <p>Also the {@link Producer} state of every thread of a lane benchmark.
 */
public final class Lanes {
  private Lanes() {}

  /** SerialLane's LINGER_SPINS (package-private in core), for the lingering CLQ lane. */
  static final int LINGER_SPINS = 64;

  static final int IDLE = 0;
  static final int DRAINING = 1;
  private static final VarHandle CLAIM;

  static {
    try {
      CLAIM = MethodHandles.lookup().findVarHandle(ClaimValue.class, "value", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /*
   * The claim word of a lane, IDLE or DRAINING, padded by 128 bytes on each side as Delivery's
   * is: unpadded, a lane's score depends on what the allocator put next to it, which differs
   * from fork to fork (docs/performance.md), and a baseline that is slow in some forks would
   * flatter tether.
   */
  private static class ClaimPadBefore {
    int headerGap; // the 4 bytes after the object header, else taken by the claim word
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
  }

  private static class ClaimValue extends ClaimPadBefore {
    volatile int value;
  }

  private static final class ClaimWord extends ClaimValue {
    long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;
  }

  /**
   * The lane over {@link ConcurrentLinkedQueue}: one queue node allocated per call. With
   * {@code lingerSpins} above 0, a drainer that ran calls polls for the next one, at most that
   * many spin-wait hints, before it releases the lane, as {@code Delivery.serial()} does, but
   * naively: after any call, also a lone producer's own ({@code Delivery} lingers only after
   * another thread's), so at 1 producer it lingers after every call.
   */
  static final class ClqLane<T> {
    private final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();
    private final Consumer<? super T> consumer;
    private final int lingerSpins;
    private final ClaimWord state = new ClaimWord();

    ClqLane(Consumer<? super T> consumer) {
      this(consumer, 0);
    }

    ClqLane(Consumer<? super T> consumer, int lingerSpins) {
      this.consumer = consumer;
      this.lingerSpins = lingerSpins;
    }

    void submit(T value) {
      queue.offer(value); // a volatile CAS: ordered before the read of state (Dekker pair)
      if (state.value == IDLE && CLAIM.compareAndSet(state, IDLE, DRAINING)) {
        drain();
      }
    }

    private void drain() {
      do {
        T value;
        boolean ranAny = false;
        for (; ; ) {
          while ((value = queue.poll()) != null) {
            ranAny = true;
            consumer.accept(value);
          }
          if (!ranAny || lingerSpins == 0) {
            break;
          }
          ranAny = false;
          for (int spin = 0; spin < lingerSpins && (value = queue.poll()) == null; spin++) {
            Thread.onSpinWait();
          }
          if (value == null) {
            break;
          }
          ranAny = true;
          consumer.accept(value);
        }
        CLAIM.setVolatile(state, IDLE);
      } while (!queue.isEmpty() && CLAIM.compareAndSet(state, IDLE, DRAINING));
    }
  }

  /**
   * The lane over a JCTools MPSC queue, drained with {@code relaxedPoll} (null for a claimed but
   * not yet stored index: the release-and-re-check loop retries). A call is one element (the
   * value; the lane's one consumer is called with it), or, with {@code pairs}, two elements
   * claimed with one {@code fill(supplier, 2)} through a reused per-thread supplier, the
   * consumer first: what core's {@code XaddLaneQueue} did before it became a queue of its own
   * ({@link CoreQueueLane}), {@code ThreadLocal} included.
   */
  static final class JctoolsLane {
    private static final ThreadLocal<PairSupplier> PAIRS =
        ThreadLocal.withInitial(PairSupplier::new);

    private final MessagePassingQueue<Object> queue;
    private final boolean pairs;
    private final Consumer<Object> consumer;
    private final ClaimWord state = new ClaimWord();

    @SuppressWarnings("unchecked")
    JctoolsLane(MessagePassingQueue<Object> queue, boolean pairs, Consumer<?> consumer) {
      this.queue = queue;
      this.pairs = pairs;
      this.consumer = (Consumer<Object>) consumer;
    }

    void submit(Object value) {
      if (pairs) {
        PairSupplier pair = PAIRS.get();
        pair.first = consumer;
        pair.second = value;
        pair.taken = 0;
        queue.fill(pair, 2);
        pair.first = null;
        pair.second = null;
      } else if (!queue.offer(value)) {
        throw new IllegalStateException("bounded queue full: " + queue.capacity());
      }
      // Every MPSC offer claims its index with a volatile CAS or getAndAdd: ordered before this.
      if (state.value == IDLE && CLAIM.compareAndSet(state, IDLE, DRAINING)) {
        drain();
      }
    }

    @SuppressWarnings("unchecked")
    private void drain() {
      do {
        Object first;
        while ((first = queue.relaxedPoll()) != null) {
          if (pairs) {
            Object value;
            while ((value = queue.relaxedPoll()) == null) {
              Thread.onSpinWait(); // the pair's second index is claimed: its store is coming
            }
            ((Consumer<Object>) first).accept(value);
          } else {
            consumer.accept(first);
          }
        }
        CLAIM.setVolatile(state, IDLE);
      } while (!queue.isEmpty() && CLAIM.compareAndSet(state, IDLE, DRAINING));
    }

    /** Supplies a call's two elements to {@code fill}; one per producer thread. */
    private static final class PairSupplier implements MessagePassingQueue.Supplier<Object> {
      Object first;
      Object second;
      int taken;

      @Override
      public Object get() {
        return taken++ == 0 ? first : second;
      }
    }
  }

  /**
   * The lane over core's own queue ({@code XaddLaneQueue}, through {@link BenchLaneQueue}): a
   * call is two places, the consumer and the value, claimed with one getAndAdd; drained with
   * {@code pollHeader} (null for a claimed but not yet stored place: the release-and-re-check
   * loop retries) and {@code pollValue}. What {@code Delivery} runs, without the rest of the lane.
   */
  static final class CoreQueueLane {
    private final BenchLaneQueue queue = new BenchLaneQueue();
    private final Consumer<Object> consumer;
    private final ClaimWord state = new ClaimWord();

    @SuppressWarnings("unchecked")
    CoreQueueLane(Consumer<?> consumer) {
      this.consumer = (Consumer<Object>) consumer;
    }

    void submit(Object value) {
      queue.offer(consumer, value); // a volatile getAndAdd: ordered before the read of state
      if (state.value == IDLE && CLAIM.compareAndSet(state, IDLE, DRAINING)) {
        drain();
      }
    }

    @SuppressWarnings("unchecked")
    private void drain() {
      do {
        Object first;
        while ((first = queue.pollHeader()) != null) {
          ((Consumer<Object>) first).accept(queue.pollValue());
        }
        CLAIM.setVolatile(state, IDLE);
      } while (!queue.isEmpty() && CLAIM.compareAndSet(state, IDLE, DRAINING));
    }
  }

  /**
   * One producer thread of a lane benchmark: the value it passes ({@link #value}, a padded JMH
   * state of its own, so the drainer's increments of it share no cache line with the producer's
   * own writes) and its pacing. A producer keeps at most {@link #MAX_AHEAD} calls queued and not
   * yet run: past that, it waits (outside the lane) until every call it queued has run, as a
   * producer with a bounded send buffer would. Without it, the producer that is not draining
   * outruns the drainer, the queue grows without bound, the score counts calls queued rather
   * than run, and the drainer, which returns only once the queue is empty, never returns, so
   * JMH's warm-down hangs. With it, the score is the rate at which the lane runs calls (within
   * {@code MAX_AHEAD} per iteration), and the drain changes hands at least every
   * {@code MAX_AHEAD} calls. The window can be varied for experiments with
   * {@code -jvmArgsAppend -Dlane.maxAhead=N} (docs/performance.md reports 16 and 1024), and the
   * resume point with {@code -Dlane.resumeAt=N}: a waiting producer goes on once at most N of its
   * calls are still queued (default 0, every call run; {@code MAX_AHEAD / 2} keeps the lane busy
   * while the producer queues, so producer and drainer work on the queue at the same time).
   *
   * <p>The calls run are counted by the callback itself ({@link Counter#CALLBACK} increments the
   * value's counter), so the same pacing applies to every lane. The producer reads the counter
   * only every {@code MAX_AHEAD} calls, and then once per {@code BACKOFF_SPINS} spin-wait hints
   * ({@code -Dlane.backoffSpins=N}, default 16). Each of those reads pulls the counter's cache
   * line from the drainer, whose next increment must pull it back: at 16 this costs the drainer
   * about as much as the lane itself, and raising it to 1024 lifts every lane's 2-producer score
   * (docs/performance.md). The default stays at 16 so that results compare with earlier runs.
   */
  @State(Scope.Thread)
  public static class Producer {
    static final int MAX_AHEAD = Integer.getInteger("lane.maxAhead", 128);
    static final int RESUME_AT = Integer.getInteger("lane.resumeAt", 0);
    static final int BACKOFF_SPINS = Integer.getInteger("lane.backoffSpins", 16);
    private static final VarHandle RUN;

    static {
      try {
        RUN = MethodHandles.lookup().findVarHandle(Counter.class, "n", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    /** What this thread passes to the lane; the callback counts its runs in it. */
    Counter value;

    private long queued;
    private long known;

    @Setup
    public void setUp(Counter value) {
      this.value = value;
    }

    /** Called after each call this thread queued with {@link #value}. */
    void queued() {
      if (++queued - known > MAX_AHEAD) {
        long run;
        while (queued - (run = (long) RUN.getOpaque(value)) > RESUME_AT) {
          for (int i = 0; i < BACKOFF_SPINS; i++) {
            Thread.onSpinWait();
          }
        }
        known = run;
      }
    }

    /** Every call queued has run once all threads have stopped: the lane lost nothing. */
    @TearDown(Level.Iteration)
    public void checkAllRun(BenchmarkParams params) {
      long run = (long) RUN.getVolatile(value);
      if (run != queued) {
        throw new IllegalStateException(
            params.getBenchmark()
                + ": "
                + queued
                + " calls queued by this thread, "
                + run
                + " run");
      }
    }
  }
}
