package dev.tether;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.locks.LockSupport;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * Property: when {@link CallbackSlot#reset()} returns, the removed callback is not running on
 * another thread and never starts again, also when the invoking thread is on the overflow path
 * (the slot's inline records all belong to other live threads, so the invoker's mark is a
 * short-lived record in the slot's overflow table).
 *
 * <p>The same probe as {@link SlotNoCallAfterResetStress}: the callback raises an in-call flag,
 * notes whether reset has already returned, spins, and lowers the flag; the resetter notes the
 * flag, resets, publishes "reset returned", and reads the flag again. Each state's slot has its
 * {@link InFlight#INLINE_RECORDS} inline records claimed for {@link #OCCUPIERS}, live threads
 * parked for the whole run, so the invoking actor is never an inline owner.
 *
 * <p>Result: r1 = the call was running when reset began (1) or not (0); r2 = it was running when
 * reset returned; r3 = it started after reset returned; r4 = how many times it ran (arbiter); r4
 * is -1 if the invoker was not on the overflow path (the setup failed: forbidden).
 *
 * <p>Run just this harness: {@code java -jar stress/target/jcstress.jar -t
 * SlotOverflowNoCallAfterResetStress}. {@code Actual} drives {@link CallbackSlot}; the canary
 * {@code BrokenUnscannedOverflow} drives {@link NaiveSlots.UnscannedOverflowSlot}, whose reset
 * waits for inline marks only, which this harness must catch.
 */
@Outcome(
    id = "0, 0, 0, 1",
    expect = ACCEPTABLE,
    desc = "The call ran once and had ended when reset returned.")
@Outcome(
    id = "1, 0, 0, 1",
    expect = ACCEPTABLE_INTERESTING,
    desc = "reset began while the overflow call was running and waited for it to end.")
@Outcome(
    id = "0, 0, 0, 0",
    expect = ACCEPTABLE,
    desc = "reset removed the callback before invoke read the slot: the callback never ran.")
@Outcome(
    expect = FORBIDDEN,
    desc =
        "reset returned while the old callback was still running, or the old callback "
            + "started after reset returned (the overflow call was not waited for), or the "
            + "invoker was not on the overflow path (r4 = -1): the guarantee is broken."
            + NaiveSlots.SENTINELS)
public class SlotOverflowNoCallAfterResetStress {
  private SlotOverflowNoCallAfterResetStress() {}

  /** Live threads that own every inline record of each state's slot; parked forever. */
  static final Thread[] OCCUPIERS = new Thread[InFlight.INLINE_RECORDS];

  static {
    for (int i = 0; i < OCCUPIERS.length; i++) {
      Thread occupier =
          new Thread(
              () -> {
                for (; ; ) {
                  LockSupport.park();
                }
              },
              "inline-record-occupier-" + i);
      occupier.setDaemon(true);
      occupier.start();
      OCCUPIERS[i] = occupier;
    }
  }

  /** The instrumented callback and the actors' work, over the variant's slot. */
  abstract static class Probe {
    volatile int inCall;
    volatile boolean resetReturned;
    int startedAfterReset; // written and read by the invoking actor only
    int calls; // written by the invoking actor, read by the arbiter
    boolean overflow = true; // false if a variant failed to put the invoker on the overflow path

    abstract void invoke();

    abstract void reset();

    final void callback(Integer value) {
      inCall = 1;
      if (resetReturned) {
        startedAfterReset = 1;
      }
      NaiveSlots.spin(SlotNoCallAfterResetStress.CALL_SPIN);
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
      } catch (RuntimeException e) {
        r.r4 = NaiveSlots.failure(this, e); // the arbiter keeps it
      }
      resetReturned = true;
      r.r2 = inCall;
    }

    void arbiter(IIII_Result r) {
      if (r.r4 >= 0) {
        r.r4 = overflow ? calls : -1;
      }
    }
  }

  // The test classes re-declare the actors: jcstress 0.16 collects @Actor and @Arbiter methods
  // from a class's own declared methods only, not inherited ones.

  @JCStressTest
  @JCStressMeta(SlotOverflowNoCallAfterResetStress.class)
  @State
  public static class Actual extends Probe {
    final CallbackSlot<Integer> slot = CallbackSlot.create("overflow-no-call-after-reset");

    public Actual() {
      InFlight marks = slot.inFlightForTesting();
      for (Thread occupier : OCCUPIERS) {
        overflow &= marks.claimInlineForTesting(occupier);
      }
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
  @JCStressMeta(SlotOverflowNoCallAfterResetStress.class)
  @State
  public static class BrokenUnscannedOverflow extends Probe implements NaiveSlots.Canary {
    final NaiveSlots.UnscannedOverflowSlot<Integer> slot =
        new NaiveSlots.UnscannedOverflowSlot<>(this::callback, OCCUPIERS[0]);

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
