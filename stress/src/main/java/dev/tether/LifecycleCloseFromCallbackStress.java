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
 * Property: {@link Lifecycle#close()} called from inside a callback of a slot the node owns, on
 * the invoking thread, terminates, also while another thread closes the same node; the other
 * thread's close terminates too and returns with the node {@link Lifecycle.State#CLOSED}. A close
 * inside a callback of the subtree does not wait for its own call; when the callback's close
 * loses to the other thread's close, the two waits (the other thread's slot close waiting for the
 * running callback, the callback's close waiting for the winner) form a wait-for cycle, broken at
 * the callback's close (WaitForGraph rule B1), which returns without waiting.
 *
 * <p>Actor 1 invokes the slot; the callback spins briefly (so that actor 2's close often begins
 * during it), reads the node's state, closes the node, and reads the state again. Actor 2 closes
 * the node. The interleavings that matter: the callback's close wins (it closes its own slot
 * without waiting for its own call; actor 2 waits for it); actor 2's close wins while the callback
 * runs and the callback's close loses (the cycle, broken at the callback in either arrival order:
 * it returns at once with the node still CLOSING, and actor 2, outside every callback, waits for
 * the call); actor 2's close closes the slot before invoke reads it.
 *
 * <p>Result: r1 = the callback: 0 = it never ran, 1 = its close returned with the node CLOSED,
 * 2 = its close returned with the node still CLOSING (it did not wait), 3 = its close threw
 * {@link CallbackDeadlockException} (no user lock is involved here, so any such "lock cycle" is
 * false), -1 = a bounded wait would have hung, -2 = the model threw (canary only); r2 = the state (ordinal: 0 OPEN,
 * 1 CLOSING, 2 CLOSED) when actor 2's close returned, 3 = it threw
 * {@link CallbackDeadlockException}, -1 = hung or -2 = threw (canary only); r3 = the state at the
 * end (arbiter; -1 or -2 if the canary's model threw there); r4 = the state the
 * callback saw just before its close (0 also when it never ran). A hang of {@code Lifecycle} (its waits are uninterruptible) in {@code Actual} blocks its test instead: {@code stress/run-jcstress.sh}
 * runs the harnesses in one batch under {@code timeout} and names the hung test from a
 * thread dump of the test JVM.
 *
 * <p>Run just this harness: {@code java -jar stress/target/jcstress.jar -t
 * LifecycleCloseFromCallbackStress}. {@code Actual} drives a {@link Lifecycle} owning a
 * {@link CallbackSlot}; the canary {@code Broken} drives a {@link NaiveLifecycles.Node} owning a
 * {@link NaiveSlots.CountingSlot}, whose reset waits for the in-flight count to reach zero, the
 * caller's own call included: a close from the callback waits for itself.
 */
@Outcome(
    id = "0, 2, 2, 0",
    expect = ACCEPTABLE,
    desc = "actor 2's close closed the slot before invoke read it: the callback never ran.")
@Outcome(
    id = "1, 2, 2, 0",
    expect = ACCEPTABLE,
    desc =
        "The callback's close found the node OPEN and won (it closed its own slot without "
            + "waiting for its own call; actor 2 waited for it), or the two closes did not overlap.")
@Outcome(
    id = {"2, 2, 2, 1", "2, 2, 2, 0"},
    expect = ACCEPTABLE_INTERESTING,
    desc =
        "actor 2's close won while the callback ran; the callback's close lost, and the "
            + "wait-for cycle was broken at the callback (rule B1, in either arrival order): it "
            + "returned with the node CLOSING; actor 2 waited for the call and returned CLOSED.")
@Outcome(
    expect = FORBIDDEN,
    desc =
        "A close hung (in a canary, -1: the callback's close waited for its own call, or the "
            + "two closes waited for each other), or threw CallbackDeadlockException (3) though "
            + "no user lock is held, or actor 2's close returned before the node was CLOSED, or "
            + "the node became CLOSED while the callback ran before the callback itself closed it "
            + "(1, 2, 2, 1: actor 2, outside every callback, gave up its wait for the callback), "
            + "or the node was not CLOSED at the end: the guarantee is broken."
            + NaiveSlots.SENTINELS)
public class LifecycleCloseFromCallbackStress {
  private LifecycleCloseFromCallbackStress() {}

  /** The callback that closes its own node, and the actors' work, over the variant's node. */
  abstract static class Probe {
    int result; // invoking actor only
    int stateBefore; // invoking actor only

    abstract void invoke();

    abstract void close();

    /** The node's state (ordinal). */
    abstract int state();

    final void callback(Integer value) {
      NaiveSlots.spin(SlotNoCallAfterResetStress.CALL_SPIN);
      stateBefore = state();
      try {
        close();
        result = state() == NaiveLifecycles.CLOSED ? 1 : 2;
      } catch (CallbackDeadlockException falseLockCycle) {
        result = 3;
      }
    }

    void invoker(IIII_Result r) {
      try {
        invoke();
        r.r1 = result;
      } catch (RuntimeException e) {
        r.r1 = NaiveSlots.failure(this, e);
      }
      r.r4 = stateBefore;
    }

    void closer(IIII_Result r) {
      try {
        close();
        r.r2 = state();
      } catch (CallbackDeadlockException falseLockCycle) {
        r.r2 = 3;
      } catch (RuntimeException e) {
        r.r2 = NaiveSlots.failure(this, e);
      }
    }

    void arbiter(IIII_Result r) {
      try {
        r.r3 = state();
      } catch (RuntimeException e) {
        r.r3 = NaiveSlots.failure(this, e);
      }
    }
  }

  // The test classes re-declare the actors: jcstress 0.16 collects @Actor and @Arbiter methods
  // from a class's own declared methods only, not inherited ones.

  @JCStressTest
  @JCStressMeta(LifecycleCloseFromCallbackStress.class)
  @State
  public static class Actual extends Probe {
    final Lifecycle node = Lifecycle.root("close-from-callback");
    final CallbackSlot<Integer> slot = node.slot("s");

    public Actual() {
      slot.set(this::callback);
    }

    @Override
    void invoke() {
      slot.invoke(1);
    }

    @Override
    void close() {
      node.close();
    }

    @Override
    int state() {
      return node.state().ordinal();
    }

    @Actor
    @Override
    public void invoker(IIII_Result r) {
      super.invoker(r);
    }

    @Actor
    @Override
    public void closer(IIII_Result r) {
      super.closer(r);
    }

    @Arbiter
    @Override
    public void arbiter(IIII_Result r) {
      super.arbiter(r);
    }
  }

  // One outcome of its own, added to the shared ones: 1, 2, 2, 1 is acceptable in this canary
  // (forbidden in Actual), so that the canary is caught by the flaw it models, its close's wait
  // for its own call (-1), not by that outcome.
  @JCStressTest
  @JCStressMeta(LifecycleCloseFromCallbackStress.class)
  @Outcome(
      id = "1, 2, 2, 1",
      expect = ACCEPTABLE_INTERESTING,
      desc =
          "actor 2 was closing the node during the call; the callback's close waited, and "
              + "actor 2's wait for the callback was the one skipped to break the wait-for cycle.")
  @State
  public static class Broken extends Probe implements NaiveSlots.Canary {
    final NaiveLifecycles.Node node = new NaiveLifecycles.Node(NaiveLifecycles.Flaw.NONE);
    final NaiveSlots.CountingSlot<Integer> slot = new NaiveSlots.CountingSlot<>(this::callback);

    public Broken() {
      node.slot(slot::reset);
    }

    @Override
    void invoke() {
      slot.invoke(1);
    }

    @Override
    void close() {
      node.close();
    }

    @Override
    int state() {
      return node.state();
    }

    @Actor
    @Override
    public void invoker(IIII_Result r) {
      super.invoker(r);
    }

    @Actor
    @Override
    public void closer(IIII_Result r) {
      super.closer(r);
    }

    @Arbiter
    @Override
    public void arbiter(IIII_Result r) {
      super.arbiter(r);
    }
  }
}
