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
import org.openjdk.jcstress.infra.results.IIIII_Result;

/**
 * Property: when {@link Lifecycle#close()} returns, the callback of a slot the node owns is not
 * running on another thread and never starts again, and the node is {@link Lifecycle.State#CLOSED}
 * (the close closes its slots with {@link CallbackSlot#close()}, which waits).
 *
 * <p>Actor 1 invokes the slot; the callback raises an in-call flag, notes whether the close has
 * already returned, spins briefly so that it is often in flight while the close runs, and lowers
 * the flag. Actor 2 notes the flag, closes the node, publishes "close returned", reads the flag
 * again and reads the node's state. As in {@link SlotNoCallAfterResetStress}, the callback's
 * "started after close returned" check and actor 2's "still running" check form a Dekker pair
 * over two volatile fields, so a call that starts after the close returns is seen by at least one
 * of them. The interleavings that matter: invoke reads the slot before the close closes it, and
 * the call starts (or is still running) after the close returns.
 *
 * <p>Result: r1 = the call was running when the close began (1) or not (0); r2 = it was running
 * when the close returned; r3 = it started after the close returned; r4 = how many times it ran
 * (arbiter); r5 = the node's state (ordinal: 0 OPEN, 1 CLOSING, 2 CLOSED) when the close returned.
 * In the canary, -1 or -2 in r3, r4 or r5 records that its model hung or threw: forbidden.
 *
 * <p>Run just this harness: {@code java -jar stress/target/jcstress.jar -t
 * LifecycleNoCallAfterCloseStress}. {@code Actual} drives a {@link Lifecycle} owning a
 * {@link CallbackSlot}; the canary {@code Broken} drives a {@link NaiveLifecycles.Node} whose
 * close resets a {@link NaiveSlots.RefSlot} ({@code getAndSet(null)}, no waiting), which this
 * harness must catch. A hang of {@code Lifecycle} (its waits are uninterruptible) in {@code Actual} blocks its test instead: {@code stress/run-jcstress.sh}
 * runs the harnesses in one batch under {@code timeout} and names the hung test from a
 * thread dump of the test JVM.
 */
@Outcome(
    id = "0, 0, 0, 1, 2",
    expect = ACCEPTABLE,
    desc =
        "The call ran once and had ended when the close returned (it ended before the close "
            + "began, or started just after the close's first look and the close waited for it).")
@Outcome(
    id = "1, 0, 0, 1, 2",
    expect = ACCEPTABLE_INTERESTING,
    desc =
        "The close began while the call was running and waited for it to end before "
            + "returning CLOSED.")
@Outcome(
    id = "0, 0, 0, 0, 2",
    expect = ACCEPTABLE,
    desc = "The close closed the slot before invoke read it: the callback never ran.")
@Outcome(
    expect = FORBIDDEN,
    desc =
        "close() returned while the slot's callback was still running, or the callback "
            + "started after close() returned, or close() returned before the node was CLOSED: "
            + "the guarantee is broken."
            + NaiveSlots.SENTINELS)
public class LifecycleNoCallAfterCloseStress {
  private LifecycleNoCallAfterCloseStress() {}

  /** The instrumented callback and the actors' work, over the variant's node and slot. */
  abstract static class Probe {
    volatile int inCall;
    volatile boolean closeReturned;
    int startedAfterClose; // written and read by the invoking actor only
    int calls; // written by the invoking actor, read by the arbiter

    abstract void invoke();

    abstract void close();

    /** The node's state (ordinal). */
    abstract int state();

    final void callback(Integer value) {
      inCall = 1;
      if (closeReturned) {
        startedAfterClose = 1;
      }
      NaiveSlots.spin(SlotNoCallAfterResetStress.CALL_SPIN);
      calls++;
      inCall = 0;
    }

    void invoker(IIIII_Result r) {
      try {
        invoke();
        r.r3 = startedAfterClose;
      } catch (RuntimeException e) {
        r.r3 = NaiveSlots.failure(this, e);
      }
    }

    void closer(IIIII_Result r) {
      r.r1 = inCall;
      try {
        close();
        closeReturned = true;
        r.r2 = inCall;
        r.r5 = state();
      } catch (RuntimeException e) {
        r.r5 = NaiveSlots.failure(this, e);
      }
    }

    void arbiter(IIIII_Result r) {
      r.r4 = calls;
    }
  }

  // The test classes re-declare the actors: jcstress 0.16 collects @Actor and @Arbiter methods
  // from a class's own declared methods only, not inherited ones.

  @JCStressTest
  @JCStressMeta(LifecycleNoCallAfterCloseStress.class)
  @State
  public static class Actual extends Probe {
    final Lifecycle node = Lifecycle.root("no-call-after-close");
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
    public void invoker(IIIII_Result r) {
      super.invoker(r);
    }

    @Actor
    @Override
    public void closer(IIIII_Result r) {
      super.closer(r);
    }

    @Arbiter
    @Override
    public void arbiter(IIIII_Result r) {
      super.arbiter(r);
    }
  }

  @JCStressTest
  @JCStressMeta(LifecycleNoCallAfterCloseStress.class)
  @State
  public static class Broken extends Probe implements NaiveSlots.Canary {
    final NaiveLifecycles.Node node = new NaiveLifecycles.Node(NaiveLifecycles.Flaw.NONE);
    final NaiveSlots.RefSlot<Integer> slot = new NaiveSlots.RefSlot<>(this::callback);

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
    public void invoker(IIIII_Result r) {
      super.invoker(r);
    }

    @Actor
    @Override
    public void closer(IIIII_Result r) {
      super.closer(r);
    }

    @Arbiter
    @Override
    public void arbiter(IIIII_Result r) {
      super.arbiter(r);
    }
  }
}
