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
 * Property: cross resets terminate (rule 2 of the reset guarantee). Actor 1 invokes slot X, whose
 * callback resets slot Y; actor 2 invokes slot Y, whose callback resets slot X. When both calls
 * are in flight, each reset would wait for the other thread's call: a wait-for cycle
 * (libdatachannel issue 1181, dotnet/runtime issue 43438). The thread whose wait would close the
 * cycle must return without waiting, so both invokes return.
 *
 * <p>Each callback spins briefly before its reset so that the two calls often overlap. The
 * interleavings that matter: both callbacks in flight, then both resets (the cycle); one call
 * ending before the other thread invokes (no cycle, the later invoke finds no callback).
 *
 * <p>Result, per actor: 0 = invoke found no callback (the other callback had reset this slot);
 * 1 = the callback ran and its reset of the other slot returned true; 2 = it ran and that reset
 * returned false; -1 = a lock wait would have hung (canary only: its waits are bounded), -2 = the
 * canary's model threw. A hang of {@code CallbackSlot} (its waits are uninterruptible) in {@code Actual} blocks its test instead: {@code stress/run-jcstress.sh}
 * runs the harnesses in one batch under {@code timeout} and names the hung test from a
 * thread dump of the test JVM.
 *
 * <p>Run just this harness: {@code java -jar stress/target/jcstress.jar -t SlotCrossResetStress}.
 * {@code Actual} drives two {@link CallbackSlot}s; the canary {@code Broken} drives two
 * {@link NaiveSlots.LockHeldSlot}s (the libdatachannel design: a per-slot lock held while calling,
 * taken by reset), which deadlock on the lock-order inversion.
 */
@Outcome(
    id = "1, 0",
    expect = ACCEPTABLE,
    desc = "X's callback ran and reset Y before actor 2 invoked Y: Y's callback never ran.")
@Outcome(
    id = "0, 1",
    expect = ACCEPTABLE,
    desc = "Y's callback ran and reset X before actor 1 invoked X: X's callback never ran.")
@Outcome(
    id = "1, 1",
    expect = ACCEPTABLE_INTERESTING,
    desc =
        "Both callbacks ran at once and each reset the other's slot: the waits formed a "
            + "cycle, and the thread closing it returned without waiting.")
@Outcome(
    expect = FORBIDDEN,
    desc =
        "A cross reset hung (deadlock; in a canary, -1: each thread held its slot's lock and "
            + "waited for the other's), or a reset of a slot that only it resets returned false, "
            + "or neither callback ran: the guarantee is broken."
            + NaiveSlots.SENTINELS)
public class SlotCrossResetStress {
  private SlotCrossResetStress() {}

  /** The two callbacks, each resetting the other's slot, and the actors' work. */
  abstract static class Probe {
    int resultX; // actor 1 only
    int resultY; // actor 2 only

    abstract void callX();

    abstract void callY();

    abstract boolean resetX();

    abstract boolean resetY();

    final void callbackX(Integer value) {
      NaiveSlots.spin(SlotNoCallAfterResetStress.CALL_SPIN);
      resultX = resetY() ? 1 : 2;
    }

    final void callbackY(Integer value) {
      NaiveSlots.spin(SlotNoCallAfterResetStress.CALL_SPIN);
      resultY = resetX() ? 1 : 2;
    }

    void invokeX(II_Result r) {
      try {
        callX();
        r.r1 = resultX;
      } catch (RuntimeException e) {
        r.r1 = NaiveSlots.failure(this, e);
      }
    }

    void invokeY(II_Result r) {
      try {
        callY();
        r.r2 = resultY;
      } catch (RuntimeException e) {
        r.r2 = NaiveSlots.failure(this, e);
      }
    }
  }

  // The test classes re-declare the actors: jcstress 0.16 collects @Actor and @Arbiter methods
  // from a class's own declared methods only, not inherited ones.

  @JCStressTest
  @JCStressMeta(SlotCrossResetStress.class)
  @State
  public static class Actual extends Probe {
    final CallbackSlot<Integer> x = CallbackSlot.create("cross-x");
    final CallbackSlot<Integer> y = CallbackSlot.create("cross-y");

    public Actual() {
      x.set(this::callbackX);
      y.set(this::callbackY);
    }

    @Override
    void callX() {
      x.invoke(1);
    }

    @Override
    void callY() {
      y.invoke(2);
    }

    @Override
    boolean resetX() {
      return x.reset();
    }

    @Override
    boolean resetY() {
      return y.reset();
    }

    @Actor
    @Override
    public void invokeX(II_Result r) {
      super.invokeX(r);
    }

    @Actor
    @Override
    public void invokeY(II_Result r) {
      super.invokeY(r);
    }
  }

  @JCStressTest
  @JCStressMeta(SlotCrossResetStress.class)
  @State
  public static class Broken extends Probe implements NaiveSlots.Canary {
    final NaiveSlots.LockHeldSlot<Integer> x = new NaiveSlots.LockHeldSlot<>(this::callbackX);
    final NaiveSlots.LockHeldSlot<Integer> y = new NaiveSlots.LockHeldSlot<>(this::callbackY);

    @Override
    void callX() {
      x.invoke(1);
    }

    @Override
    void callY() {
      y.invoke(2);
    }

    @Override
    boolean resetX() {
      return x.reset();
    }

    @Override
    boolean resetY() {
      return y.reset();
    }

    @Actor
    @Override
    public void invokeX(II_Result r) {
      super.invokeX(r);
    }

    @Actor
    @Override
    public void invokeY(II_Result r) {
      super.invokeY(r);
    }
  }
}
