package dev.tether;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Property: the lane's queue ({@link XaddLaneQueue}) keeps each call's header and value together
 * and each producer's calls in order, also when two producers race to link the next chunk.
 *
 * <p>The state's queue has already carried 512 calls (two chunks of 256), so that actors 1 and 2,
 * each offering two calls, both need chunk 2, which does not exist yet: both find the newest
 * chunk too old and race to become the appender (the producer-chunk-index CAS); the loser waits
 * for the winner, and the winner links chunk 0, recycled from the pool. The interleavings that
 * matter: one producer claims its places in the new chunk while the other is linking it, and the
 * two producers' claims interleave. The arbiter, after both offers returned, polls every call.
 *
 * <p>Result: r1 = calls polled with their own value, in their producer's order (4 expected);
 * r2 = calls missing (a claimed place never stored, or polled as empty): 0 expected. In the
 * canary, -2 in r2 records that its model threw: forbidden.
 *
 * <p>Run just this harness: {@code java -jar stress/target/jcstress.jar -t LaneQueuePairStress}.
 * {@code Actual} drives {@link XaddLaneQueue}. The canary {@code BrokenSplitClaim} drives a queue
 * that claims a call's two places with two separate getAndIncrements (what the CAS-claiming
 * JCTools queues amount to for a pair), so another producer's place can land between a header and
 * its value; this harness must catch it.
 */
@Outcome(
    id = "4, 0",
    expect = ACCEPTABLE,
    desc =
        "Every call came out with its own value, each producer's two calls in order; the "
            + "producers interleaved in some way across the chunk boundary.")
@Outcome(
    expect = FORBIDDEN,
    desc =
        "A header came out with another call's value (the two claims of a call were split), a "
            + "producer's calls came out of order (r1 < 4), or a claimed call was never stored "
            + "(r2 > 0): the lane would run a call with the wrong value, out of order, or never."
            + NaiveSlots.SENTINELS)
public class LaneQueuePairStress {
  private LaneQueuePairStress() {}

  /** Calls the state's queue carries before the actors start: two full chunks. */
  static final int CARRIED_CALLS = XaddLaneQueue.CHUNK_ELEMENTS;

  /** The two producers' calls and the actors' work, over the variant's queue; headers name the producer. */
  abstract static class Probe {
    static final Object A = "A";
    static final Object B = "B";
    final Object[] valuesA = {"a1", "a2"};
    final Object[] valuesB = {"b1", "b2"};

    // The void actors record their subject's exception here; the arbiter reports it.
    final NaiveSlots.Failures failures = new NaiveSlots.Failures();

    abstract LaneQueue queue();

    final void produce(Object header, Object[] values) {
      queue().offer(header, values[0]);
      queue().offer(header, values[1]);
    }

    /** Polls all four calls and counts those intact and in order, and those missing. */
    final void consume(II_Result r) {
      int intact = 0;
      int missing = 0;
      int nextA = 0;
      int nextB = 0;
      for (int i = 0; i < 4; i++) {
        Object header = queue().pollHeader();
        if (header == null) {
          missing++;
          continue;
        }
        Object value = queue().pollValue();
        if (header == A && nextA < 2 && value == valuesA[nextA]) {
          nextA++;
          intact++;
        } else if (header == B && nextB < 2 && value == valuesB[nextB]) {
          nextB++;
          intact++;
        }
      }
      r.r1 = intact;
      r.r2 = missing;
    }

    final void produceCatching(Object header, Object[] values) {
      try {
        produce(header, values);
      } catch (RuntimeException e) {
        failures.record(NaiveSlots.failure(this, e));
      }
    }

    void producerA() {
      produceCatching(A, valuesA);
    }

    void producerB() {
      produceCatching(B, valuesB);
    }

    void consumer(II_Result r) {
      try {
        consume(r);
      } catch (RuntimeException e) {
        failures.record(NaiveSlots.failure(this, e));
      }
      r.r2 = failures.or(r.r2);
    }
  }

  // The test classes re-declare the actors: jcstress 0.16 collects @Actor and @Arbiter methods
  // from a class's own declared methods only, not inherited ones.

  @JCStressTest
  @JCStressMeta(LaneQueuePairStress.class)
  @State
  public static class Actual extends Probe {
    final XaddLaneQueue queue = new XaddLaneQueue();

    public Actual() {
      Object filler = new Object();
      for (int i = 0; i < CARRIED_CALLS; i++) {
        queue.offer(filler, filler);
        queue.pollHeader();
        queue.pollValue();
      }
    }

    @Override
    LaneQueue queue() {
      return queue;
    }

    @Actor
    @Override
    public void producerA() {
      super.producerA();
    }

    @Actor
    @Override
    public void producerB() {
      super.producerB();
    }

    @Arbiter
    @Override
    public void consumer(II_Result r) {
      super.consumer(r);
    }
  }

  @JCStressTest
  @JCStressMeta(LaneQueuePairStress.class)
  @State
  public static class BrokenSplitClaim extends Probe implements NaiveSlots.Canary {
    final SplitClaimQueue queue = new SplitClaimQueue();

    @Override
    LaneQueue queue() {
      return queue;
    }

    @Actor
    @Override
    public void producerA() {
      super.producerA();
    }

    @Actor
    @Override
    public void producerB() {
      super.producerB();
    }

    @Arbiter
    @Override
    public void consumer(II_Result r) {
      super.consumer(r);
    }
  }

  /**
   * The canary's queue: a call's header and value each claim their place with a getAndIncrement
   * of their own, so the pair is not atomic. Eight places, enough for the four calls.
   */
  static final class SplitClaimQueue implements LaneQueue {
    private final AtomicReferenceArray<Object> places = new AtomicReferenceArray<>(8);
    private final AtomicInteger produced = new AtomicInteger();
    private int consumed;

    @Override
    public void offer(Object header, Object value) {
      places.set(produced.getAndIncrement(), header);
      NaiveSlots.spin(20); // widens the window between the two claims
      places.set(produced.getAndIncrement(), value);
    }

    @Override
    public Object pollHeader() {
      Object header = places.get(consumed);
      if (header != null) {
        consumed++;
      }
      return header;
    }

    @Override
    public Object pollValue() {
      return places.get(consumed++);
    }

    @Override
    public boolean isEmpty() {
      return consumed == produced.get();
    }

    @Override
    public int size() {
      return (produced.get() - consumed) / 2;
    }
  }
}
