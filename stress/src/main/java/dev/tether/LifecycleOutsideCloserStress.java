package dev.tether;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.tether.internal.StressGraphs;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Property: a {@link Lifecycle#close()} called from a thread outside every callback returns only
 * when no listener of the node runs, also while that listener closes the same node. The two
 * closes can form a wait-for cycle: the outsider, as the node's closer, waits for the listener's
 * call in the slot's close; the listener's losing close waits for the outsider as closer. The
 * cycle must be broken at the listener (WaitForGraph rule B1), in both arrival orders: when the
 * listener's close is parked first and the outsider's arrival closes the cycle, and when the
 * outsider waits first.
 *
 * <p>Actor 1 invokes the node's slot; the listener marks itself running, spins briefly, closes
 * the node, records the node's state, and clears its mark. Actor 2 closes the node from outside
 * every callback and then reads the mark. The node has a child whose resource spins in its close,
 * so that the outsider's walk often reaches the slot only after the listener's close has begun
 * waiting: the order in which the outsider's arrival closes the cycle.
 *
 * <p>Result: r1 = the listener: 0 = it never ran (the slot was closed first), 1 = its close
 * returned with the node CLOSED (it won the claim: a close from inside the node's own callback
 * does not wait for its own call), 2 = its close returned with the node still CLOSING (it was the
 * member of the cycle that did not wait); r2 = 1 if the listener was still running when the
 * outsider's close returned; r3 = the state (ordinal) when the outsider's close returned.
 *
 * <p>Run just this harness: {@code java -jar stress/target/jcstress.jar -t
 * LifecycleOutsideCloserStress}. {@code Actual} runs on the real wait-for graph; the canary
 * {@code BrokenBreakAtArrival} runs the same code on a graph that breaks every cycle at the
 * thread whose wait closes it (the rule before B1), under which the outsider returns while the
 * listener still runs.
 */
@Outcome(
    id = "0, 0, 2",
    expect = ACCEPTABLE,
    desc = "The outsider closed the slot before the invoke read it: the listener never ran.")
@Outcome(
    id = "1, 0, 2",
    expect = ACCEPTABLE,
    desc =
        "The listener's close won the claim and did not wait for its own call; the outsider "
            + "waited for the close and then for the listener's call to end.")
@Outcome(
    id = "2, 0, 2",
    expect = ACCEPTABLE_INTERESTING,
    desc =
        "The outsider won the claim while the listener ran; the two waits formed a cycle, "
            + "broken at the listener, whose close returned with the node CLOSING; the outsider "
            + "waited for the listener's call.")
@Outcome(
    expect = FORBIDDEN,
    desc =
        "The outsider's close returned while the listener still ran (r2 = 1), or before "
            + "the node was CLOSED: the headline promise is broken."
            + NaiveSlots.SENTINELS)
public class LifecycleOutsideCloserStress {
  private LifecycleOutsideCloserStress() {}

  /** Spin-wait hints in the child's resource close: delays the outsider's arrival at the slot. */
  static final int GATE_SPIN = 400;

  /** The node, its listener and its closer's view; shared by the variants. */
  abstract static class Subject {
    final Lifecycle conn = Lifecycle.root("conn");
    final CallbackSlot<Integer> onMessage;
    volatile boolean listenerRunning;
    int listenerResult; // invoking actor only

    Subject() {
      conn.child("gate").own(() -> NaiveSlots.spin(GATE_SPIN));
      onMessage = conn.slot("onMessage");
      onMessage.set(
          value -> {
            listenerRunning = true;
            try {
              NaiveSlots.spin(SlotNoCallAfterResetStress.CALL_SPIN);
              conn.close();
              listenerResult = conn.state() == Lifecycle.State.CLOSED ? 1 : 2;
            } finally {
              listenerRunning = false;
            }
          });
    }

    void io(III_Result r) {
      try {
        onMessage.invoke(1);
        r.r1 = listenerResult;
      } catch (RuntimeException e) {
        r.r1 = NaiveSlots.failure(this, e);
      }
    }

    void outsider(III_Result r) {
      try {
        conn.close();
        r.r2 = listenerRunning ? 1 : 0;
        r.r3 = conn.state().ordinal();
      } catch (RuntimeException e) {
        r.r2 = NaiveSlots.failure(this, e);
      }
    }
  }

  // The test classes re-declare the actors: jcstress 0.16 collects @Actor and @Arbiter methods
  // from a class's own declared methods only, not inherited ones.

  @JCStressTest
  @JCStressMeta(LifecycleOutsideCloserStress.class)
  @State
  public static class Actual extends Subject {
    @Actor
    @Override
    public void io(III_Result r) {
      super.io(r);
    }

    @Actor
    @Override
    public void outsider(III_Result r) {
      super.outsider(r);
    }
  }

  @JCStressTest
  @JCStressMeta(LifecycleOutsideCloserStress.class)
  @State
  public static class BrokenBreakAtArrival extends Subject implements NaiveSlots.Canary {
    static {
      // jcstress runs each test in forked JVMs of its own (Actual never observed the canary's
      // forbidden outcome in a run that had both): this graph serves only the canary.
      StressGraphs.replaceBreakingCyclesAtArrival();
    }

    @Actor
    @Override
    public void io(III_Result r) {
      super.io(r);
    }

    @Actor
    @Override
    public void outsider(III_Result r) {
      super.outsider(r);
    }
  }
}
