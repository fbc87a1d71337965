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
 * Property: relay cross-closes terminate. Two nodes, left and right, each own one slot. Actor 1
 * invokes left's slot, whose callback closes right; actor 2 invokes right's slot, whose callback
 * closes left (a relay whose two ends shut each other down). When both calls are in flight, each
 * close waits in its slot close for the other thread's call: a wait-for cycle, as in
 * {@link SlotCrossResetStress} but through {@link Lifecycle#close()}. The thread whose wait would
 * close the cycle returns without waiting, so both invokes return; every close that ran leaves
 * its node {@link Lifecycle.State#CLOSED} by the time its caller returns (each node has a single
 * closer, which always finishes its node even when it skips a wait), so the arbiter, which runs
 * after both actors returned, sees both nodes CLOSED whenever both callbacks ran. When one
 * callback closes the other's node before the other invoke reads its slot, the other callback
 * never runs and its own node, which nobody closes, stays OPEN.
 *
 * <p>Each callback raises an in-call flag, spins briefly so that the two calls often overlap,
 * closes the other node, notes whether the other callback was still in flight when that close
 * returned (possible only for the side whose wait was skipped to break the cycle: otherwise its
 * slot close waited for the other call to end), and lowers the flag. The interleavings that
 * matter: both callbacks in flight, then both closes (the cycle); one callback closing the other
 * node before the other invoke reads the slot (no cycle).
 *
 * <p>Result: r1 = left's callback (actor 1): 0 = it never ran, 1 = it ran and its close of right
 * returned after right's callback had ended, 2 = its close returned while right's callback was
 * still in flight (its wait was skipped), 3 = its close threw {@link CallbackDeadlockException}
 * (no user lock is involved here, so any such "lock cycle" is false), -1 = a bounded wait would
 * have hung, -2 = the model threw (canary only; -1 or -2 in r3 too if its arbiter's model threw);
 * r2 = the same for right's callback (actor 2); r3, r4 = the states of left and right at the end
 * (arbiter; ordinal: 0 OPEN, 1 CLOSING, 2 CLOSED). A hang of {@code Lifecycle} (its waits are uninterruptible) in {@code Actual} blocks its test instead: {@code stress/run-jcstress.sh}
 * runs the harnesses in one batch under {@code timeout} and names the hung test from a
 * thread dump of the test JVM.
 *
 * <p>Run just this harness: {@code java -jar stress/target/jcstress.jar -t
 * LifecycleRelayCrossCloseStress}. {@code Actual} drives two {@link Lifecycle}s; the canary
 * {@code Broken} drives two {@link NaiveLifecycles.Node}s owning {@link NaiveSlots.LockHeldSlot}s
 * (the libdatachannel design: a per-slot lock held while calling, taken by the close's reset),
 * which deadlock on the lock-order inversion.
 */
@Outcome(
    id = "1, 0, 0, 2",
    expect = ACCEPTABLE,
    desc =
        "left's callback closed right before actor 2 invoked right's slot: right's callback "
            + "never ran, and left, which nobody closed, stayed OPEN.")
@Outcome(
    id = "0, 1, 2, 0",
    expect = ACCEPTABLE,
    desc =
        "right's callback closed left before actor 1 invoked left's slot: left's callback "
            + "never ran, and right, which nobody closed, stayed OPEN.")
@Outcome(
    id = {"2, 1, 2, 2", "1, 2, 2, 2"},
    expect = ACCEPTABLE_INTERESTING,
    desc =
        "Both callbacks ran at once and each closed the other's node: the waits formed a "
            + "cycle, the thread closing it returned without waiting, the other waited; both "
            + "nodes ended CLOSED.")
@Outcome(
    expect = FORBIDDEN,
    desc =
        "A cross close hung (deadlock; in a canary, -1: each thread held its slot's lock while "
            + "calling and the other's close waited for it), or threw CallbackDeadlockException "
            + "(3) though no user lock is held, or both or neither skipped a wait while both "
            + "callbacks ran, or a node that was closed was not CLOSED once both actors returned, "
            + "or neither callback ran: the guarantee is broken."
            + NaiveSlots.SENTINELS)
public class LifecycleRelayCrossCloseStress {
  private LifecycleRelayCrossCloseStress() {}

  /** The two instrumented callbacks and the actors' work, over the variant's two nodes. */
  abstract static class Probe {
    volatile int inLeft;
    volatile int inRight;
    int resultLeft; // actor 1 only
    int resultRight; // actor 2 only

    abstract void callLeft();

    abstract void callRight();

    abstract void closeLeft();

    abstract void closeRight();

    /** The state (ordinal) of left, or of right. */
    abstract int state(boolean isLeft);

    final void leftCallback(Integer value) {
      inLeft = 1;
      NaiveSlots.spin(SlotNoCallAfterResetStress.CALL_SPIN);
      try {
        closeRight();
        resultLeft = inRight == 1 ? 2 : 1;
      } catch (CallbackDeadlockException falseLockCycle) {
        resultLeft = 3;
      }
      inLeft = 0;
    }

    final void rightCallback(Integer value) {
      inRight = 1;
      NaiveSlots.spin(SlotNoCallAfterResetStress.CALL_SPIN);
      try {
        closeLeft();
        resultRight = inLeft == 1 ? 2 : 1;
      } catch (CallbackDeadlockException falseLockCycle) {
        resultRight = 3;
      }
      inRight = 0;
    }

    void invokeLeft(IIII_Result r) {
      try {
        callLeft();
        r.r1 = resultLeft;
      } catch (RuntimeException e) {
        r.r1 = NaiveSlots.failure(this, e);
      }
    }

    void invokeRight(IIII_Result r) {
      try {
        callRight();
        r.r2 = resultRight;
      } catch (RuntimeException e) {
        r.r2 = NaiveSlots.failure(this, e);
      }
    }

    void arbiter(IIII_Result r) {
      try {
        r.r3 = state(true);
        r.r4 = state(false);
      } catch (RuntimeException e) {
        r.r3 = NaiveSlots.failure(this, e);
      }
    }
  }

  // The test classes re-declare the actors: jcstress 0.16 collects @Actor and @Arbiter methods
  // from a class's own declared methods only, not inherited ones.

  @JCStressTest
  @JCStressMeta(LifecycleRelayCrossCloseStress.class)
  @State
  public static class Actual extends Probe {
    final Lifecycle left = Lifecycle.root("relay-left");
    final Lifecycle right = Lifecycle.root("relay-right");
    final CallbackSlot<Integer> leftSlot = left.slot("l");
    final CallbackSlot<Integer> rightSlot = right.slot("r");

    public Actual() {
      leftSlot.set(this::leftCallback);
      rightSlot.set(this::rightCallback);
    }

    @Override
    void callLeft() {
      leftSlot.invoke(1);
    }

    @Override
    void callRight() {
      rightSlot.invoke(2);
    }

    @Override
    void closeLeft() {
      left.close();
    }

    @Override
    void closeRight() {
      right.close();
    }

    @Override
    int state(boolean isLeft) {
      return (isLeft ? left : right).state().ordinal();
    }

    @Actor
    @Override
    public void invokeLeft(IIII_Result r) {
      super.invokeLeft(r);
    }

    @Actor
    @Override
    public void invokeRight(IIII_Result r) {
      super.invokeRight(r);
    }

    @Arbiter
    @Override
    public void arbiter(IIII_Result r) {
      super.arbiter(r);
    }
  }

  @JCStressTest
  @JCStressMeta(LifecycleRelayCrossCloseStress.class)
  @State
  public static class Broken extends Probe implements NaiveSlots.Canary {
    final NaiveLifecycles.Node left = new NaiveLifecycles.Node(NaiveLifecycles.Flaw.NONE);
    final NaiveLifecycles.Node right = new NaiveLifecycles.Node(NaiveLifecycles.Flaw.NONE);
    final NaiveSlots.LockHeldSlot<Integer> leftSlot =
        new NaiveSlots.LockHeldSlot<>(this::leftCallback);
    final NaiveSlots.LockHeldSlot<Integer> rightSlot =
        new NaiveSlots.LockHeldSlot<>(this::rightCallback);

    public Broken() {
      left.slot(leftSlot::reset);
      right.slot(rightSlot::reset);
    }

    @Override
    void callLeft() {
      leftSlot.invoke(1);
    }

    @Override
    void callRight() {
      rightSlot.invoke(2);
    }

    @Override
    void closeLeft() {
      left.close();
    }

    @Override
    void closeRight() {
      right.close();
    }

    @Override
    int state(boolean isLeft) {
      return (isLeft ? left : right).state();
    }

    @Actor
    @Override
    public void invokeLeft(IIII_Result r) {
      super.invokeLeft(r);
    }

    @Actor
    @Override
    public void invokeRight(IIII_Result r) {
      super.invokeRight(r);
    }

    @Arbiter
    @Override
    public void arbiter(IIII_Result r) {
      super.arbiter(r);
    }
  }
}
