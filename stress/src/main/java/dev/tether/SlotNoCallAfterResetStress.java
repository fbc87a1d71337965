package dev.tether;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * Property: when {@link CallbackSlot#reset()} returns, the removed callback is not running on
 * another thread and never starts again.
 *
 * <p>Actor 1 invokes the slot; the callback raises an in-call flag, notes whether reset has
 * already returned, spins briefly so that it is often in flight while reset runs, and lowers the
 * flag. Actor 2 notes the flag, resets, publishes "reset returned", and reads the flag again. The
 * callback's "started after reset returned" check and actor 2's "still running" check form a
 * Dekker pair over two volatile fields, so a call that starts after reset returns is seen by at
 * least one of them. The interleavings that matter: invoke reads the slot before reset removes
 * the callback, and the call starts (or is still running) after reset returns.
 *
 * <p>Result: r1 = the call was running when reset began (1) or not (0); r2 = it was running when
 * reset returned; r3 = it started after reset returned; r4 = how many times it ran (arbiter). In
 * the canary, -1 or -2 in r2, r3 or r4 records that its model hung or threw: forbidden.
 *
 * <p>Run just this harness: {@code java -jar stress/target/jcstress.jar -t
 * SlotNoCallAfterResetStress}. {@code Actual} drives {@link CallbackSlot}; the canary
 * {@code Broken} drives {@link NaiveSlots.RefSlot} (reset = {@code getAndSet(null)}, no waiting),
 * which this harness must catch.
 */
@Outcome(
    id = "0, 0, 0, 1",
    expect = ACCEPTABLE,
    desc =
        "The call ran once and had ended when reset returned (it ended before reset began, "
            + "or started just after reset's first look and reset waited for it).")
@Outcome(
    id = "1, 0, 0, 1",
    expect = ACCEPTABLE_INTERESTING,
    desc = "reset began while the call was running and waited for it to end before returning.")
@Outcome(
    id = "0, 0, 0, 0",
    expect = ACCEPTABLE,
    desc = "reset removed the callback before invoke read the slot: the callback never ran.")
@Outcome(
    expect = FORBIDDEN,
    desc =
        "reset returned while the old callback was still running, or the old callback "
            + "started after reset returned: the guarantee is broken."
            + NaiveSlots.SENTINELS)
public class SlotNoCallAfterResetStress {
  private SlotNoCallAfterResetStress() {}

  /** Spin length of the callback: a few microseconds in flight. */
  static final int CALL_SPIN = 200;

  /** The instrumented callback and the actors' work, over the variant's slot. */
  abstract static class Probe {
    volatile int inCall;
    volatile boolean resetReturned;
    int startedAfterReset; // written and read by the invoking actor only
    int calls; // written by the invoking actor, read by the arbiter

    abstract void invoke();

    abstract void reset();

    final void callback(Integer value) {
      inCall = 1;
      if (resetReturned) {
        startedAfterReset = 1;
      }
      NaiveSlots.spin(CALL_SPIN);
      calls++;
      inCall = 0;
    }

    void invoker(IIII_Result r) {
      try {
        invoke();
        r.r3 = startedAfterReset;
      } catch (RuntimeException e) {
        r.r3 = NaiveSlots.failure(this, e);
      }
    }

    void resetter(IIII_Result r) {
      r.r1 = inCall;
      try {
        reset();
        resetReturned = true;
        r.r2 = inCall;
      } catch (RuntimeException e) {
        r.r2 = NaiveSlots.failure(this, e);
      }
    }

    void arbiter(IIII_Result r) {
      r.r4 = calls;
    }
  }

  // The test classes re-declare the actors: jcstress 0.16 collects @Actor and @Arbiter methods
  // from a class's own declared methods only, not inherited ones.

  @JCStressTest
  @JCStressMeta(SlotNoCallAfterResetStress.class)
  @State
  public static class Actual extends Probe {
    final CallbackSlot<Integer> slot = CallbackSlot.create("no-call-after-reset");

    public Actual() {
      slot.set(this::callback);
    }

    @Override
    void invoke() {
      slot.invoke(1);
    }

    @Override
    void reset() {
      slot.reset();
    }

    @Actor
    @Override
    public void invoker(IIII_Result r) {
      super.invoker(r);
    }

    @Actor
    @Override
    public void resetter(IIII_Result r) {
      super.resetter(r);
    }

    @Arbiter
    @Override
    public void arbiter(IIII_Result r) {
      super.arbiter(r);
    }
  }

  @JCStressTest
  @JCStressMeta(SlotNoCallAfterResetStress.class)
  @State
  public static class Broken extends Probe implements NaiveSlots.Canary {
    final NaiveSlots.RefSlot<Integer> slot = new NaiveSlots.RefSlot<>(this::callback);

    @Override
    void invoke() {
      slot.invoke(1);
    }

    @Override
    void reset() {
      slot.reset();
    }

    @Actor
    @Override
    public void invoker(IIII_Result r) {
      super.invoker(r);
    }

    @Actor
    @Override
    public void resetter(IIII_Result r) {
      super.resetter(r);
    }

    @Arbiter
    @Override
    public void arbiter(IIII_Result r) {
      super.arbiter(r);
    }
  }
}
