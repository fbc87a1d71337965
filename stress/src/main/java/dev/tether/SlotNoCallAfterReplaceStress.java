package dev.tether;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * Property: when {@link CallbackSlot#set} returns, the callback it replaced is not running on
 * another thread and never starts again ({@code set} waits for the old callback like
 * {@code reset}); an invoke racing the replacement calls exactly one of the two callbacks.
 *
 * <p>Actor 1 invokes the slot; the old callback raises an in-call flag, notes whether set has
 * already returned, spins briefly, and lowers the flag. Actor 2 notes the flag, installs a new
 * callback, publishes "set returned", and reads the flag again (a Dekker pair with the callback's
 * check, as in {@link SlotNoCallAfterResetStress}). The interleavings that matter: invoke reads
 * the old callback before set swaps it, and the old call starts (or still runs) after set returns.
 *
 * <p>Result: r1 = the old call was running when set began; r2 = it was running when set
 * returned; r3 = it started after set returned; r4 = which callback invoke called (1 = old,
 * 2 = new, 3 = both, 0 = none). In the canary, -1 or -2 in r2 or r4 records that its model hung
 * or threw: forbidden.
 *
 * <p>Run just this harness: {@code java -jar stress/target/jcstress.jar -t
 * SlotNoCallAfterReplaceStress}. {@code Actual} drives {@link CallbackSlot}; the canary
 * {@code Broken} drives {@link NaiveSlots.RefSlot} (set = {@code getAndSet}, no waiting).
 */
@Outcome(
    id = "0, 0, 0, 1",
    expect = ACCEPTABLE,
    desc =
        "invoke called the old callback, and that call had ended when set returned (it ended "
            + "before set began, or started just after set's first look and set waited for it).")
@Outcome(
    id = "1, 0, 0, 1",
    expect = ACCEPTABLE_INTERESTING,
    desc = "set began while the old callback was running and waited for it to end.")
@Outcome(
    id = "0, 0, 0, 2",
    expect = ACCEPTABLE,
    desc =
        "set installed the new callback before invoke read the slot: invoke called the new "
            + "callback only.")
@Outcome(
    expect = FORBIDDEN,
    desc =
        "set returned while the old callback was still running, or the old callback started "
            + "after set returned, or invoke called both or neither: the guarantee is broken."
            + NaiveSlots.SENTINELS)
public class SlotNoCallAfterReplaceStress {
  private SlotNoCallAfterReplaceStress() {}

  /** The instrumented old and new callbacks and the actors' work, over the variant's slot. */
  abstract static class Probe {
    volatile int inCall;
    volatile boolean setReturned;
    int startedAfterSet; // invoking actor only
    int called; // invoking actor only: bit 1 = old, bit 2 = new

    abstract void invoke();

    /** Replaces the old callback with {@link #newCallback}. */
    abstract void replace();

    final void oldCallback(Integer value) {
      inCall = 1;
      if (setReturned) {
        startedAfterSet = 1;
      }
      NaiveSlots.spin(SlotNoCallAfterResetStress.CALL_SPIN);
      called |= 1;
      inCall = 0;
    }

    final void newCallback(Integer value) {
      called |= 2;
    }

    void invoker(IIII_Result r) {
      try {
        invoke();
        r.r3 = startedAfterSet;
        r.r4 = called;
      } catch (RuntimeException e) {
        r.r4 = NaiveSlots.failure(this, e);
      }
    }

    void replacer(IIII_Result r) {
      r.r1 = inCall;
      try {
        replace();
        setReturned = true;
        r.r2 = inCall;
      } catch (RuntimeException e) {
        r.r2 = NaiveSlots.failure(this, e);
      }
    }
  }

  // The test classes re-declare the actors: jcstress 0.16 collects @Actor and @Arbiter methods
  // from a class's own declared methods only, not inherited ones.

  @JCStressTest
  @JCStressMeta(SlotNoCallAfterReplaceStress.class)
  @State
  public static class Actual extends Probe {
    final CallbackSlot<Integer> slot = CallbackSlot.create("no-call-after-replace");

    public Actual() {
      slot.set(this::oldCallback);
    }

    @Override
    void invoke() {
      slot.invoke(1);
    }

    @Override
    void replace() {
      slot.set(this::newCallback);
    }

    @Actor
    @Override
    public void invoker(IIII_Result r) {
      super.invoker(r);
    }

    @Actor
    @Override
    public void replacer(IIII_Result r) {
      super.replacer(r);
    }
  }

  @JCStressTest
  @JCStressMeta(SlotNoCallAfterReplaceStress.class)
  @State
  public static class Broken extends Probe implements NaiveSlots.Canary {
    final NaiveSlots.RefSlot<Integer> slot = new NaiveSlots.RefSlot<>(this::oldCallback);

    @Override
    void invoke() {
      slot.invoke(1);
    }

    @Override
    void replace() {
      slot.set(this::newCallback);
    }

    @Actor
    @Override
    public void invoker(IIII_Result r) {
      super.invoker(r);
    }

    @Actor
    @Override
    public void replacer(IIII_Result r) {
      super.replacer(r);
    }
  }
}
