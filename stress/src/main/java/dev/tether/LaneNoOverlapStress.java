package dev.tether;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Property: two calls on one serial lane never overlap, even when they are calls of two different
 * slots invoked by two threads at the same moment; and when both invokes have returned, both calls
 * have run (the thread that won the drain ran the other's call too).
 *
 * <p>Actors 1 and 2 each invoke their own slot of one {@link Delivery#serial()} lane. The callback
 * raises an in-call counter, spins briefly, and lowers it; a call that finds the counter already
 * raised overlapped another. The interleavings that matter: both invokes find the lane idle at
 * once and race for the drain; one invoke queues while the other thread is inside its call.
 *
 * <p>Result: r1 = an overlap was seen (1) or not (0); r2 = calls run (arbiter); in the canary,
 * -1 or -2 in r2 records that its model hung or threw: forbidden.
 *
 * <p>Run just this harness: {@code java -jar stress/target/jcstress.jar -t LaneNoOverlapStress}.
 * {@code Actual} drives {@link Delivery#serial()}; the canary {@code BrokenRacyClaim} drives
 * {@link NaiveLanes.Lane} with {@link NaiveLanes.Flaw#RACY_CLAIM} (the drain is claimed by
 * check-then-act on a flag), which this harness must catch.
 */
@Outcome(
    id = "0, 2",
    expect = ACCEPTABLE,
    desc = "The two calls ran one after the other, whichever thread ran them.")
@Outcome(
    expect = FORBIDDEN,
    desc =
        "Two calls of one serial lane overlapped (r1 = 1: both invokers claimed the drain), or "
            + "a call was lost though both invokes returned (r2 < 2): the guarantee is broken."
            + NaiveSlots.SENTINELS)
public class LaneNoOverlapStress {
  private LaneNoOverlapStress() {}

  /** The instrumented callback and the actors' work, over two slots of the variant's lane. */
  abstract static class Probe {
    final AtomicInteger inCall = new AtomicInteger();
    final AtomicInteger calls = new AtomicInteger();
    volatile int overlap;
    // The void actors record their subject's exception here; the arbiter reports it.
    final NaiveSlots.Failures failures = new NaiveSlots.Failures();

    /** Invokes slot A (0) or B (1) of the lane under test. */
    abstract void invoke(int slot, int value);

    final void callback(Integer value) {
      if (inCall.getAndIncrement() != 0) {
        overlap = 1;
      }
      NaiveSlots.spin(SlotNoCallAfterResetStress.CALL_SPIN);
      inCall.decrementAndGet();
      calls.incrementAndGet();
    }

    final void invoker(int slot) {
      try {
        invoke(slot, slot + 1);
      } catch (RuntimeException e) {
        failures.record(NaiveSlots.failure(this, e));
      }
    }

    void invokerA() {
      invoker(0);
    }

    void invokerB() {
      invoker(1);
    }

    void arbiter(II_Result r) {
      r.r1 = overlap;
      r.r2 = failures.or(calls.get());
    }
  }

  // The test classes re-declare the actors: jcstress 0.16 collects @Actor and @Arbiter methods
  // from a class's own declared methods only, not inherited ones.

  @JCStressTest
  @JCStressMeta(LaneNoOverlapStress.class)
  @State
  public static class Actual extends Probe {
    final Delivery lane = Delivery.serial();
    final CallbackSlot<Integer> first = CallbackSlot.<Integer>builder("a").delivery(lane).build();
    final CallbackSlot<Integer> second = CallbackSlot.<Integer>builder("b").delivery(lane).build();

    public Actual() {
      first.set(this::callback);
      second.set(this::callback);
    }

    @Override
    void invoke(int slot, int value) {
      (slot == 0 ? first : second).invoke(value);
    }

    @Actor
    @Override
    public void invokerA() {
      super.invokerA();
    }

    @Actor
    @Override
    public void invokerB() {
      super.invokerB();
    }

    @Arbiter
    @Override
    public void arbiter(II_Result r) {
      super.arbiter(r);
    }
  }

  @JCStressTest
  @JCStressMeta(LaneNoOverlapStress.class)
  @State
  public static class BrokenRacyClaim extends Probe implements NaiveSlots.Canary {
    final NaiveLanes.Lane lane = new NaiveLanes.Lane(NaiveLanes.Flaw.RACY_CLAIM);
    final NaiveLanes.Slot<Integer> first = new NaiveLanes.Slot<>(lane, this::callback);
    final NaiveLanes.Slot<Integer> second = new NaiveLanes.Slot<>(lane, this::callback);

    @Override
    void invoke(int slot, int value) {
      (slot == 0 ? first : second).invoke(value);
    }

    @Actor
    @Override
    public void invokerA() {
      super.invokerA();
    }

    @Actor
    @Override
    public void invokerB() {
      super.invokerB();
    }

    @Arbiter
    @Override
    public void arbiter(II_Result r) {
      super.arbiter(r);
    }
  }
}
