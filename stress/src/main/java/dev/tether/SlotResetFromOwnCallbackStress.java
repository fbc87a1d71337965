package dev.tether;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Property: a callback that calls {@link CallbackSlot#reset()} on its own slot terminates (rule 1
 * of the reset guarantee: the caller does not wait for its own call), also while another thread
 * runs the same callback and resets the same slot (then the two waits would form a cycle, and
 * rule 2 lets the thread closing it return without waiting). Exactly one of the resets removes
 * the callback.
 *
 * <p>Both actors invoke the slot; the callback spins briefly (so that the two calls often
 * overlap) and resets its own slot. The interleavings that matter: a call resetting with only its
 * own call in flight, and both calls in flight, each reset waiting for the other thread's call.
 *
 * <p>Result, per actor: 0 = invoke found no callback (the other call had already removed it);
 * 1 = the callback ran and its reset returned true; 2 = it ran and its reset returned false;
 * -1 = the reset would have hung (canary only: its wait is bounded), -2 = the canary's model
 * threw. A hang of {@code CallbackSlot} (its waits are uninterruptible) in {@code Actual} blocks its test instead: {@code stress/run-jcstress.sh}
 * runs the harnesses in one batch under {@code timeout} and names the hung test from a
 * thread dump of the test JVM.
 *
 * <p>Run just this harness: {@code java -jar stress/target/jcstress.jar -t
 * SlotResetFromOwnCallbackStress}. {@code Actual} drives {@link CallbackSlot}; the canary
 * {@code Broken} drives {@link NaiveSlots.CountingSlot}, whose reset waits for the in-flight count
 * to reach zero, its own call included, and so waits for itself.
 */
@Outcome(
    id = "1, 0",
    expect = ACCEPTABLE,
    desc = "actor 1's callback reset its own slot and returned; actor 2 then found no callback.")
@Outcome(
    id = "0, 1",
    expect = ACCEPTABLE,
    desc = "actor 2's callback reset its own slot and returned; actor 1 then found no callback.")
@Outcome(
    id = {"1, 2", "2, 1"},
    expect = ACCEPTABLE_INTERESTING,
    desc =
        "Both calls ran at once and both reset the slot: one removed the callback, the other "
            + "found it removed, and neither waited forever (one call ended first, or the wait "
            + "cycle was broken).")
@Outcome(
    expect = FORBIDDEN,
    desc =
        "A reset from inside the callback hung (in a canary, -1: it waited for its own call), "
            + "or both or neither reset removed the callback: the guarantee is broken."
            + NaiveSlots.SENTINELS)
public class SlotResetFromOwnCallbackStress {
  private SlotResetFromOwnCallbackStress() {}

  /** The callback that resets its own slot, and the actors' work, over the variant's slot. */
  abstract static class Probe {
    int result1; // actor 1 only
    int result2; // actor 2 only

    abstract void invoke(int value);

    abstract boolean reset();

    final void callback(Integer value) {
      NaiveSlots.spin(SlotNoCallAfterResetStress.CALL_SPIN);
      int outcome = reset() ? 1 : 2;
      if (value == 1) {
        result1 = outcome;
      } else {
        result2 = outcome;
      }
    }

    void invoker1(II_Result r) {
      try {
        invoke(1);
        r.r1 = result1;
      } catch (RuntimeException e) {
        r.r1 = NaiveSlots.failure(this, e);
      }
    }

    void invoker2(II_Result r) {
      try {
        invoke(2);
        r.r2 = result2;
      } catch (RuntimeException e) {
        r.r2 = NaiveSlots.failure(this, e);
      }
    }
  }

  // The test classes re-declare the actors: jcstress 0.16 collects @Actor and @Arbiter methods
  // from a class's own declared methods only, not inherited ones.

  @JCStressTest
  @JCStressMeta(SlotResetFromOwnCallbackStress.class)
  @State
  public static class Actual extends Probe {
    final CallbackSlot<Integer> slot = CallbackSlot.create("reset-from-own-callback");

    public Actual() {
      slot.set(this::callback);
    }

    @Override
    void invoke(int value) {
      slot.invoke(value);
    }

    @Override
    boolean reset() {
      return slot.reset();
    }

    @Actor
    @Override
    public void invoker1(II_Result r) {
      super.invoker1(r);
    }

    @Actor
    @Override
    public void invoker2(II_Result r) {
      super.invoker2(r);
    }
  }

  @JCStressTest
  @JCStressMeta(SlotResetFromOwnCallbackStress.class)
  @State
  public static class Broken extends Probe implements NaiveSlots.Canary {
    final NaiveSlots.CountingSlot<Integer> slot = new NaiveSlots.CountingSlot<>(this::callback);

    @Override
    void invoke(int value) {
      slot.invoke(value);
    }

    @Override
    boolean reset() {
      return slot.reset();
    }

    @Actor
    @Override
    public void invoker1(II_Result r) {
      super.invoker1(r);
    }

    @Actor
    @Override
    public void invoker2(II_Result r) {
      super.invoker2(r);
    }
  }
}
