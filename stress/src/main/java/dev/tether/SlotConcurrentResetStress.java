package dev.tether;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIII_Result;

/**
 * Property: of two concurrent {@link CallbackSlot#reset()} calls exactly one returns true, and
 * each caller on a thread other than the running call, winner or loser, returns only when no call
 * of the removed callback is running (a losing reset waits for the winner's removal).
 *
 * <p>Two actors only (jcstress skips 3-actor tests on 2 CPUs), so the second resetter is the call
 * itself. Actor 1 invokes the slot; the callback raises an in-call flag, notes whether actor 2's
 * reset has returned, spins, resets its own slot (rule 1: it does not wait for itself), spins
 * again, and lowers the flag. Actor 2 notes the flag, resets, publishes "reset returned" and reads
 * the flag again. The interleavings that matter: actor 2 wins while the call runs (the winner
 * waits); the callback's own reset wins and actor 2 loses while the call is still spinning (the
 * loser must wait too); actor 2 wins before invoke reads the slot.
 *
 * <p>Result: r1 = the callback's own reset: 0 = the callback never ran, 1 = returned true,
 * 2 = returned false, -1 = hung or -2 = threw (canary only); r2 = actor 2's reset: 1 = true,
 * 2 = false, -1 = hung or -2 = threw (canary only); r3 = the call was running when actor 2's reset returned; r4 = the call
 * started after actor 2's reset returned; r5 = the call was running when actor 2's reset began.
 *
 * <p>Run just this harness: {@code java -jar stress/target/jcstress.jar -t
 * SlotConcurrentResetStress}. {@code Actual} drives {@link CallbackSlot}; the canary
 * {@code Broken} drives {@link NaiveSlots.LoserNoWaitSlot}, whose winning reset waits but whose
 * losing reset returns false at once.
 */
@Outcome(
    id = "0, 1, 0, 0, 0",
    expect = ACCEPTABLE,
    desc =
        "actor 2's reset removed the callback before invoke read the slot: the callback "
            + "never ran.")
@Outcome(
    id = "1, 2, 0, 0, 0",
    expect = ACCEPTABLE,
    desc =
        "The callback removed itself; actor 2's reset lost and returned false after the "
            + "call had ended.")
@Outcome(
    id = "1, 2, 0, 0, 1",
    expect = ACCEPTABLE_INTERESTING,
    desc =
        "actor 2's reset began during the call, lost to the callback's own reset, and "
            + "waited for the call to end before returning false.")
@Outcome(
    id = "2, 1, 0, 0, 0",
    expect = ACCEPTABLE,
    desc =
        "actor 2's reset removed the callback while the call ran (its own reset then "
            + "returned false), and waited for the call to end.")
@Outcome(
    id = "2, 1, 0, 0, 1",
    expect = ACCEPTABLE_INTERESTING,
    desc =
        "actor 2's reset began during the call, won, and waited for the call to end; the "
            + "callback's own reset returned false.")
@Outcome(
    expect = FORBIDDEN,
    desc =
        "A reset returned while the call was still running (a losing reset that did not "
            + "wait), or the call started after a reset returned, or both or neither reset "
            + "returned true: the guarantee is broken."
            + NaiveSlots.SENTINELS)
public class SlotConcurrentResetStress {
  private SlotConcurrentResetStress() {}

  /** The instrumented callback, which resets its own slot, and the actors' work. */
  abstract static class Probe {
    volatile int inCall;
    volatile boolean resetReturned;
    int startedAfterReset; // invoking actor only
    int ownReset; // invoking actor only

    abstract void invoke();

    /** Resets the variant's slot: the callback's own reset, and actor 2's. */
    abstract boolean reset();

    final void callback(Integer value) {
      inCall = 1;
      if (resetReturned) {
        startedAfterReset = 1;
      }
      NaiveSlots.spin(SlotNoCallAfterResetStress.CALL_SPIN / 2);
      ownReset = reset() ? 1 : 2;
      NaiveSlots.spin(SlotNoCallAfterResetStress.CALL_SPIN);
      inCall = 0;
    }

    void invoker(IIIII_Result r) {
      try {
        invoke();
        r.r1 = ownReset;
      } catch (RuntimeException e) {
        r.r1 = NaiveSlots.failure(this, e);
      }
      r.r4 = startedAfterReset;
    }

    void resetter(IIIII_Result r) {
      r.r5 = inCall;
      try {
        r.r2 = reset() ? 1 : 2;
      } catch (RuntimeException e) {
        r.r2 = NaiveSlots.failure(this, e);
      }
      resetReturned = true;
      r.r3 = inCall;
    }
  }

  // The test classes re-declare the actors: jcstress 0.16 collects @Actor and @Arbiter methods
  // from a class's own declared methods only, not inherited ones.

  @JCStressTest
  @JCStressMeta(SlotConcurrentResetStress.class)
  @State
  public static class Actual extends Probe {
    final CallbackSlot<Integer> slot = CallbackSlot.create("concurrent-reset");

    public Actual() {
      slot.set(this::callback);
    }

    @Override
    void invoke() {
      slot.invoke(1);
    }

    @Override
    boolean reset() {
      return slot.reset();
    }

    @Actor
    @Override
    public void invoker(IIIII_Result r) {
      super.invoker(r);
    }

    @Actor
    @Override
    public void resetter(IIIII_Result r) {
      super.resetter(r);
    }
  }

  @JCStressTest
  @JCStressMeta(SlotConcurrentResetStress.class)
  @State
  public static class Broken extends Probe implements NaiveSlots.Canary {
    final NaiveSlots.LoserNoWaitSlot<Integer> slot =
        new NaiveSlots.LoserNoWaitSlot<>(this::callback);

    @Override
    void invoke() {
      slot.invoke(1);
    }

    @Override
    boolean reset() {
      return slot.reset();
    }

    @Actor
    @Override
    public void invoker(IIIII_Result r) {
      super.invoker(r);
    }

    @Actor
    @Override
    public void resetter(IIIII_Result r) {
      super.resetter(r);
    }
  }
}
