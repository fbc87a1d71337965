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
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * Property: when {@link CallbackSlot#reset()} of a slot on a serial lane returns, no call of the
 * removed callback runs any more, neither one the lane is running (it is waited for) nor one still
 * queued (it is discarded, and counted). Every call queued for the slot is run, discarded, or
 * dropped at invoke.
 *
 * <p>Actor 1 invokes a "keeper" slot of the lane; the keeper's callback invokes the target slot
 * twice (from inside a lane callback, so both calls are queued behind it) and spins, keeping the
 * lane busy; actor 1's thread then runs the queued target calls. The target's callback raises an
 * in-call flag, notes whether reset has already returned, spins, and lowers the flag. Actor 2
 * resets the target, publishes "reset returned", and reads the flag. The interleavings that
 * matter: reset returns while the target's calls are queued (they must be discarded), and reset
 * begins while a target call runs (reset must wait for it).
 *
 * <p>Result: r1 = a target call started after reset returned (1) or not (0); r2 = a target call
 * was running when reset returned; r3 = target calls run (arbiter); r4 = target calls not run:
 * discarded by the lane or dropped at invoke (arbiter). In the canary, -1 or -2 in r2 or r3
 * records that its model hung or threw: forbidden.
 *
 * <p>Run just this harness: {@code java -jar stress/target/jcstress.jar -t
 * LaneNoCallAfterResetStress}. {@code Actual} drives {@link Delivery#serial()}; the canary
 * {@code BrokenCapturing} drives {@link NaiveLanes.Slot}, whose queued call holds the callback
 * captured at invoke time (its reset waits for a running call, but cannot reach queued ones),
 * which this harness must catch.
 */
@Outcome(
    id = {"0, 0, 2, 0", "0, 0, 1, 1", "0, 0, 0, 2"},
    expect = ACCEPTABLE,
    desc =
        "Each target call ran before reset returned, or was discarded (or dropped) without "
            + "running.")
@Outcome(
    expect = FORBIDDEN,
    desc =
        "A target call started after reset returned (r1 = 1: a queued call kept the callback "
            + "it captured), or was still running when it returned (r2 = 1), or a queued call was "
            + "neither run nor counted (r3 + r4 != 2): the guarantee is broken."
            + NaiveSlots.SENTINELS)
public class LaneNoCallAfterResetStress {
  private LaneNoCallAfterResetStress() {}

  /** The instrumented target callback and the actors' work, over the variant's two slots. */
  abstract static class Probe {
    volatile int inCall;
    volatile boolean resetReturned;
    volatile int startedAfterReset;
    final AtomicInteger calls = new AtomicInteger();
    // The void actor records its subject's exception here; the arbiter reports it.
    final NaiveSlots.Failures failures = new NaiveSlots.Failures();

    /** Invokes the keeper slot, whose callback invokes the target twice. */
    abstract void invokeKeeper();

    abstract void resetTarget();

    /** How many target calls were discarded or dropped without running. */
    abstract int notRun();

    final void target(Integer value) {
      inCall = 1;
      if (resetReturned) {
        startedAfterReset = 1;
      }
      NaiveSlots.spin(SlotNoCallAfterResetStress.CALL_SPIN / 2);
      calls.incrementAndGet();
      inCall = 0;
    }

    void invoker() {
      try {
        invokeKeeper();
      } catch (RuntimeException e) {
        failures.record(NaiveSlots.failure(this, e));
      }
    }

    void resetter(IIII_Result r) {
      try {
        // A canary's reset waits (bounded) for a target call the invoker's thread is running; on
        // a loaded machine that thread may be descheduled past the bound: Hang, recorded as -1.
        resetTarget();
        resetReturned = true;
        r.r2 = inCall;
      } catch (RuntimeException e) {
        r.r2 = NaiveSlots.failure(this, e);
      }
    }

    void arbiter(IIII_Result r) {
      try {
        r.r1 = startedAfterReset;
        r.r3 = failures.or(calls.get());
        r.r4 = notRun();
      } catch (RuntimeException e) {
        r.r3 = NaiveSlots.failure(this, e);
      }
    }
  }

  // The test classes re-declare the actors: jcstress 0.16 collects @Actor and @Arbiter methods
  // from a class's own declared methods only, not inherited ones.

  @JCStressTest
  @JCStressMeta(LaneNoCallAfterResetStress.class)
  @State
  public static class Actual extends Probe {
    final Delivery lane = Delivery.serial();
    final CallbackSlot<Integer> keeper =
        CallbackSlot.<Integer>builder("keeper").delivery(lane).build();
    final CallbackSlot<Integer> target =
        CallbackSlot.<Integer>builder("target").delivery(lane).build();

    public Actual() {
      target.set(this::target);
      keeper.set(
          value -> {
            target.invoke(1);
            target.invoke(2);
            NaiveSlots.spin(SlotNoCallAfterResetStress.CALL_SPIN);
          });
    }

    @Override
    void invokeKeeper() {
      keeper.invoke(0);
    }

    @Override
    void resetTarget() {
      target.reset();
    }

    @Override
    int notRun() {
      return (int) (lane.discardedCount() + target.droppedCount());
    }

    @Actor
    @Override
    public void invoker() {
      super.invoker();
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
  @JCStressMeta(LaneNoCallAfterResetStress.class)
  @State
  public static class BrokenCapturing extends Probe implements NaiveSlots.Canary {
    final NaiveLanes.Lane lane = new NaiveLanes.Lane(NaiveLanes.Flaw.NONE);
    final NaiveLanes.Slot<Integer> target = new NaiveLanes.Slot<>(lane, this::target);
    final AtomicInteger notRun = new AtomicInteger();
    final NaiveLanes.Slot<Integer> keeper =
        new NaiveLanes.Slot<>(
            lane,
            value -> {
              for (int i = 1; i <= 2; i++) {
                if (!target.invoke(i)) {
                  notRun.incrementAndGet();
                }
              }
              NaiveSlots.spin(SlotNoCallAfterResetStress.CALL_SPIN);
            });

    @Override
    void invokeKeeper() {
      keeper.invoke(0);
    }

    @Override
    void resetTarget() {
      target.reset();
    }

    @Override
    int notRun() {
      return notRun.get();
    }

    @Actor
    @Override
    public void invoker() {
      super.invoker();
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
