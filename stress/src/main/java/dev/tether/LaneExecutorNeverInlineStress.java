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
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Property: a {@link Delivery#serialOn} lane never runs a callback on an invoking thread, also
 * when two threads invoke an idle lane at the same moment; one drain task carries both calls.
 *
 * <p>The lane's executor keeps its tasks ({@link NaiveLanes.HeldExecutor}); the arbiter runs them
 * after both actors have returned. Actors 1 and 2 each mark themselves as "inside invoke", invoke
 * their slot of the lane, and unmark. The callback notes whether its thread is inside an invoke.
 * The interleavings that matter: both invokes find the lane idle and race for the drain.
 *
 * <p>Result: r1 = a callback ran on a thread inside invoke (1) or not (0); r2 = calls run;
 * r3 = drain tasks submitted (arbiter). In the canary, -1 or -2 in r2 records that its model hung
 * or threw: forbidden.
 *
 * <p>Run just this harness: {@code java -jar stress/target/jcstress.jar -t
 * LaneExecutorNeverInlineStress}. {@code Actual} drives {@link Delivery#serialOn}; the canary
 * {@code BrokenCallerRuns} drives {@link NaiveLanes.Lane} with
 * {@link NaiveLanes.Flaw#CALLER_RUNS_WHEN_IDLE}, which this harness must catch.
 */
@Outcome(
    id = "0, 2, 1",
    expect = ACCEPTABLE,
    desc =
        "Both calls ran on the executor, in the one drain task that the winner of the "
            + "drain submitted.")
@Outcome(
    expect = FORBIDDEN,
    desc =
        "A callback ran on an invoking thread (r1 = 1: the invoke that found the lane idle ran "
            + "it), or a call was lost (r2 < 2), or two drains were started at once (r3 = 2): the "
            + "guarantee is broken."
            + NaiveSlots.SENTINELS)
public class LaneExecutorNeverInlineStress {
  private LaneExecutorNeverInlineStress() {}

  /** The instrumented callback, the invoking threads' marks and the actors' work. */
  abstract static class Probe {
    final NaiveLanes.HeldExecutor executor = new NaiveLanes.HeldExecutor();
    volatile Thread invokingA;
    volatile Thread invokingB;
    volatile int ranInline;
    final AtomicInteger calls = new AtomicInteger();
    // The void actors record their subject's exception here; the arbiter reports it.
    final NaiveSlots.Failures failures = new NaiveSlots.Failures();

    /** Invokes slot A (0) or B (1) of the lane under test. */
    abstract void invoke(int slot, int value);

    final void callback(Integer value) {
      Thread self = Thread.currentThread();
      if (self == invokingA || self == invokingB) {
        ranInline = 1;
      }
      calls.incrementAndGet();
    }

    final void invokeCatching(int slot) {
      try {
        invoke(slot, slot + 1);
      } catch (RuntimeException e) {
        failures.record(NaiveSlots.failure(this, e));
      }
    }

    void invokerA() {
      invokingA = Thread.currentThread();
      invokeCatching(0);
      invokingA = null;
    }

    void invokerB() {
      invokingB = Thread.currentThread();
      invokeCatching(1);
      invokingB = null;
    }

    void arbiter(III_Result r) {
      try {
        r.r3 = executor.runAll(); // the held drain task runs the calls here
      } catch (RuntimeException e) {
        failures.record(NaiveSlots.failure(this, e));
      }
      r.r1 = ranInline;
      r.r2 = failures.or(calls.get());
    }
  }

  // The test classes re-declare the actors: jcstress 0.16 collects @Actor and @Arbiter methods
  // from a class's own declared methods only, not inherited ones.

  @JCStressTest
  @JCStressMeta(LaneExecutorNeverInlineStress.class)
  @State
  public static class Actual extends Probe {
    final Delivery lane = Delivery.serialOn(executor);
    final CallbackSlot<Integer> a = CallbackSlot.<Integer>builder("a").delivery(lane).build();
    final CallbackSlot<Integer> b = CallbackSlot.<Integer>builder("b").delivery(lane).build();

    public Actual() {
      a.set(this::callback);
      b.set(this::callback);
    }

    @Override
    void invoke(int slot, int value) {
      (slot == 0 ? a : b).invoke(value);
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
    public void arbiter(III_Result r) {
      super.arbiter(r);
    }
  }

  @JCStressTest
  @JCStressMeta(LaneExecutorNeverInlineStress.class)
  @State
  public static class BrokenCallerRuns extends Probe implements NaiveSlots.Canary {
    final NaiveLanes.Lane lane =
        new NaiveLanes.Lane(NaiveLanes.Flaw.CALLER_RUNS_WHEN_IDLE, executor);
    final NaiveLanes.Slot<Integer> a = new NaiveLanes.Slot<>(lane, this::callback);
    final NaiveLanes.Slot<Integer> b = new NaiveLanes.Slot<>(lane, this::callback);

    @Override
    void invoke(int slot, int value) {
      (slot == 0 ? a : b).invoke(value);
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
    public void arbiter(III_Result r) {
      super.arbiter(r);
    }
  }
}
