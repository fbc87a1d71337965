package dev.tether;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
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
public class LaneExecutorNeverInlineStress {
  private LaneExecutorNeverInlineStress() {}

  /** The instrumented callback and the invoking threads' marks, shared by both variants. */
  abstract static class Probe {
    final NaiveLanes.HeldExecutor executor = new NaiveLanes.HeldExecutor();
    volatile Thread invokingA;
    volatile Thread invokingB;
    volatile int ranInline;
    final AtomicInteger calls = new AtomicInteger();

    final void callback(Integer value) {
      Thread self = Thread.currentThread();
      if (self == invokingA || self == invokingB) {
        ranInline = 1;
      }
      calls.incrementAndGet();
    }

    final void report(III_Result r) {
      r.r3 = executor.runAll();
      r.r1 = ranInline;
      r.r2 = calls.get();
    }
  }

  @JCStressTest
  @Outcome(
      id = "0, 2, 1",
      expect = ACCEPTABLE,
      desc =
          "Both calls ran on the executor, in the one drain task that the winner of the "
              + "drain submitted.")
  @Outcome(
      expect = FORBIDDEN,
      desc =
          "A callback ran on an invoking thread (r1 = 1), or a call was lost (r2 < 2), or "
              + "two drains were started at once (r3 = 2): the guarantee is broken.")
  @State
  public static class Actual extends Probe {
    final Delivery lane = Delivery.serialOn(executor);
    final CallbackSlot<Integer> a = CallbackSlot.<Integer>builder("a").delivery(lane).build();
    final CallbackSlot<Integer> b = CallbackSlot.<Integer>builder("b").delivery(lane).build();

    public Actual() {
      a.set(this::callback);
      b.set(this::callback);
    }

    @Actor
    public void invokerA() {
      invokingA = Thread.currentThread();
      a.invoke(1);
      invokingA = null;
    }

    @Actor
    public void invokerB() {
      invokingB = Thread.currentThread();
      b.invoke(2);
      invokingB = null;
    }

    @Arbiter
    public void arbiter(III_Result r) {
      report(r);
    }
  }

  @JCStressTest
  @Outcome(id = "0, 2, 1", expect = ACCEPTABLE, desc = "Both calls ran on the executor.")
  @Outcome(
      expect = FORBIDDEN,
      desc =
          "The invoke that found the lane idle ran the callback on its own thread (r1 = 1): "
              + "the guarantee is broken (expected of this canary)."
              + NaiveSlots.SENTINELS)
  @State
  public static class BrokenCallerRuns extends Probe {
    final NaiveLanes.Lane lane =
        new NaiveLanes.Lane(NaiveLanes.Flaw.CALLER_RUNS_WHEN_IDLE, executor);
    final NaiveLanes.Slot<Integer> a = new NaiveLanes.Slot<>(lane, this::callback);
    final NaiveLanes.Slot<Integer> b = new NaiveLanes.Slot<>(lane, this::callback);
    // Every actor and the arbiter catch the model's exceptions: a canary fails only by a
    // FORBIDDEN outcome, never by an ERROR (see NaiveSlots.failure). The void actors record
    // theirs in failures, which the arbiter reports.
    final NaiveSlots.Failures failures = new NaiveSlots.Failures();

    @Actor
    public void invokerA() {
      invokingA = Thread.currentThread();
      try {
        a.invoke(1);
      } catch (RuntimeException e) {
        failures.record(e);
      }
      invokingA = null;
    }

    @Actor
    public void invokerB() {
      invokingB = Thread.currentThread();
      try {
        b.invoke(2);
      } catch (RuntimeException e) {
        failures.record(e);
      }
      invokingB = null;
    }

    @Arbiter
    public void arbiter(III_Result r) {
      try {
        report(r);
      } catch (RuntimeException e) {
        failures.record(e); // the held drain task runs the model's calls here
      }
      r.r2 = failures.or(r.r2);
    }
  }
}
