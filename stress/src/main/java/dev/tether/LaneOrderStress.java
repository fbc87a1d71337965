package dev.tether;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Property: a serial lane runs each producer's calls in the order its invokes returned, while it
 * interleaves two producers' calls in any way.
 *
 * <p>Actors 1 and 2 each invoke their own slot of one {@link Delivery#serial()} lane three times,
 * with 1, 2, 3. The callback spins briefly (so that one actor's calls queue while the other
 * actor's thread drains) and checks that each slot's values arrive as 1, 2, 3. Calls never
 * overlap on the lane (LaneNoOverlapStress), so the callback's plain fields need no
 * synchronization in {@code Actual}. The interleavings that matter: one actor queues two or three
 * calls while the other actor's thread is inside a call, and that thread then runs them.
 *
 * <p>Result: r1 = slot A's values arrived out of order (1) or not (0); r2 = the same for slot B;
 * r3 = calls run (arbiter); in a canary, -1 or -2 in r3 records that its model hung or threw:
 * forbidden.
 *
 * <p>Run just this harness: {@code java -jar stress/target/jcstress.jar -t LaneOrderStress}.
 * {@code Actual} drives {@link Delivery#serial()}. The canaries drive {@link NaiveLanes.Lane},
 * and this harness must catch both: {@code BrokenLifo} with {@link NaiveLanes.Flaw#LIFO} (calls
 * kept on a stack), and {@code BrokenJumpWhenIdle} with {@link NaiveLanes.Flaw#JUMP_WHEN_IDLE},
 * Delivery's idle fast path without its emptiness check: a producer's next call, finding the
 * lane idle in the moment between the drainer's release and its re-check, runs ahead of the call
 * its previous invoke queued while that drainer was busy.
 */
@Outcome(
    id = "0, 0, 6",
    expect = ACCEPTABLE,
    desc = "Each slot received 1, 2, 3 in order; the two slots' calls interleaved in some way.")
@Outcome(
    expect = FORBIDDEN,
    desc =
        "A slot's calls ran out of the order its invokes returned (r1 or r2 = 1: queued calls "
            + "ran newest first, or a call that found the lane idle ran ahead of one its producer "
            + "had queued before), or a call was lost (r3 < 6): the guarantee is broken."
            + NaiveSlots.SENTINELS)
public class LaneOrderStress {
  private LaneOrderStress() {}

  /** The instrumented callbacks and the producers' work, over two slots of the variant's lane. */
  abstract static class Probe {
    final int[] last = new int[2];
    final int[] outOfOrder = new int[2];
    volatile int calls;
    // The void actors record their subject's exception here; the arbiter reports it.
    final NaiveSlots.Failures failures = new NaiveSlots.Failures();

    final void record(int slot, int value) {
      NaiveSlots.spin(SlotNoCallAfterResetStress.CALL_SPIN / 2);
      if (value != last[slot] + 1) {
        outOfOrder[slot] = 1;
      }
      last[slot] = value;
      calls = calls + 1; // one call at a time on a correct lane
    }

    /** Invokes slot A (0) or B (1) of the lane under test with {@code value}. */
    abstract void invoke(int slot, int value);

    /** One actor's work: its slot's three invokes, in order. */
    final void produce(int slot) {
      try {
        invoke(slot, 1);
        invoke(slot, 2);
        invoke(slot, 3);
      } catch (RuntimeException e) {
        failures.record(NaiveSlots.failure(this, e));
      }
    }

    void producerA() {
      produce(0);
    }

    void producerB() {
      produce(1);
    }

    void arbiter(III_Result r) {
      r.r1 = outOfOrder[0];
      r.r2 = outOfOrder[1];
      r.r3 = failures.or(calls);
    }
  }

  /** A canary's subject: two slots of one {@link NaiveLanes.Lane} with the given flaw. */
  abstract static class NaiveProbe extends Probe implements NaiveSlots.Canary {
    final NaiveLanes.Slot<Integer> a;
    final NaiveLanes.Slot<Integer> b;

    NaiveProbe(NaiveLanes.Flaw flaw) {
      NaiveLanes.Lane lane = new NaiveLanes.Lane(flaw);
      a = new NaiveLanes.Slot<>(lane, value -> record(0, value));
      b = new NaiveLanes.Slot<>(lane, value -> record(1, value));
    }

    @Override
    final void invoke(int slot, int value) {
      (slot == 0 ? a : b).invoke(value);
    }
  }

  // The test classes re-declare the actors: jcstress 0.16 collects @Actor and @Arbiter methods
  // from a class's own declared methods only, not inherited ones.

  @JCStressTest
  @JCStressMeta(LaneOrderStress.class)
  @State
  public static class Actual extends Probe {
    final Delivery lane = Delivery.serial();
    final CallbackSlot<Integer> a = CallbackSlot.<Integer>builder("a").delivery(lane).build();
    final CallbackSlot<Integer> b = CallbackSlot.<Integer>builder("b").delivery(lane).build();

    public Actual() {
      a.set(value -> record(0, value));
      b.set(value -> record(1, value));
    }

    @Override
    void invoke(int slot, int value) {
      (slot == 0 ? a : b).invoke(value);
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
    public void arbiter(III_Result r) {
      super.arbiter(r);
    }
  }

  @JCStressTest
  @JCStressMeta(LaneOrderStress.class)
  @State
  public static class BrokenLifo extends NaiveProbe {
    public BrokenLifo() {
      super(NaiveLanes.Flaw.LIFO);
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
    public void arbiter(III_Result r) {
      super.arbiter(r);
    }
  }

  @JCStressTest
  @JCStressMeta(LaneOrderStress.class)
  @State
  public static class BrokenJumpWhenIdle extends NaiveProbe {
    public BrokenJumpWhenIdle() {
      super(NaiveLanes.Flaw.JUMP_WHEN_IDLE);
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
    public void arbiter(III_Result r) {
      super.arbiter(r);
    }
  }
}
