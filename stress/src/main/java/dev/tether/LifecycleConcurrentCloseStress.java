package dev.tether;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIII_Result;

/**
 * Property: of two concurrent {@link Lifecycle#close()} calls on the same node, the owned resource
 * is closed exactly once, and each caller, winner or loser, observes
 * {@link Lifecycle.State#CLOSED} when its close returns (a losing close waits for the winner).
 *
 * <p>Both actors read the node's state, close it, and read the state again. The owned resource's
 * {@code close()} spins briefly before counting itself, so the winner is often still inside it
 * when the loser arrives. The interleavings that matter: both closes start while the node is OPEN
 * (one must lose the OPEN-to-CLOSING race and do nothing); one close starts while the other is
 * closing the resource (the loser must wait for it, as a wait-for edge to the winner's thread);
 * one starts after the other finished.
 *
 * <p>Result: r1 = the node's state (ordinal: 0 OPEN, 1 CLOSING, 2 CLOSED) seen by actor 1 just
 * before its close; r2 = the state when actor 1's close returned, 3 = it threw
 * {@link CallbackDeadlockException} (no user lock is involved here, so any such "lock cycle" is
 * false), or -1 = a bounded wait would have hung, -2 = the model threw (canary only); r3, r4 =
 * the same for actor 2; r5 = how many times the resource was closed (arbiter). A hang of the real {@code Lifecycle} (its waits are uninterruptible) blocks
 * the run instead: {@code stress/run-jcstress.sh} runs every harness under {@code timeout} and
 * names it.
 *
 * <p>Run just this harness: {@code java -jar stress/target/jcstress.jar -t
 * LifecycleConcurrentCloseStress}. {@code Actual} drives {@link Lifecycle}; the canaries drive
 * {@link NaiveLifecycles.Node}: {@code BrokenLoserReturns}, whose losing close returns at once
 * (the libdatachannel PR 1384 bug), and {@code BrokenCheckThenAct}, whose close checks "open?"
 * and then marks the node closing in two steps, so both callers can close the resource.
 */
public class LifecycleConcurrentCloseStress {
  private LifecycleConcurrentCloseStress() {}

  /** The owned resource: counts its closes; spins first so that the winner is slow. */
  abstract static class Probe {
    final AtomicInteger closes = new AtomicInteger();

    final void closeResource() {
      NaiveSlots.spin(SlotNoCallAfterResetStress.CALL_SPIN);
      closes.incrementAndGet();
    }
  }

  @JCStressTest
  @Outcome(
      id = "0, 2, 0, 2, 1",
      expect = ACCEPTABLE,
      desc =
          "Both closes began while the node was OPEN: one won and closed the resource once, "
              + "the other lost and returned only when the node was CLOSED.")
  @Outcome(
      id = {"1, 2, 0, 2, 1", "0, 2, 1, 2, 1"},
      expect = ACCEPTABLE_INTERESTING,
      desc =
          "One close began while the other was closing the node (CLOSING): it waited for the "
              + "winner and returned CLOSED; the resource was closed once.")
  @Outcome(
      id = {"2, 2, 0, 2, 1", "0, 2, 2, 2, 1"},
      expect = ACCEPTABLE,
      desc = "One close began after the other had finished: it did nothing and returned CLOSED.")
  @Outcome(
      expect = FORBIDDEN,
      desc =
          "A close returned while the node was not yet CLOSED (the loser did not wait for the "
              + "winner), or threw CallbackDeadlockException (3) though no user lock is held, or the "
              + "resource was closed twice or never: the guarantee is broken.")
  @State
  public static class Actual extends Probe {
    final Lifecycle node = Lifecycle.root("concurrent-close");

    public Actual() {
      AutoCloseable resource = this::closeResource;
      node.own(resource);
    }

    @Actor
    public void closer1(IIIII_Result r) {
      r.r1 = node.state().ordinal();
      try {
        node.close();
        r.r2 = node.state().ordinal();
      } catch (CallbackDeadlockException falseLockCycle) {
        r.r2 = 3;
      }
    }

    @Actor
    public void closer2(IIIII_Result r) {
      r.r3 = node.state().ordinal();
      try {
        node.close();
        r.r4 = node.state().ordinal();
      } catch (CallbackDeadlockException falseLockCycle) {
        r.r4 = 3;
      }
    }

    @Arbiter
    public void arbiter(IIIII_Result r) {
      r.r5 = closes.get();
    }
  }

  /** Both canaries: the same actors over a naive node with the given flaw. */
  abstract static class NaiveProbe extends Probe {
    final NaiveLifecycles.Node node;

    NaiveProbe(NaiveLifecycles.Flaw flaw) {
      node = new NaiveLifecycles.Node(flaw);
      node.own(this::closeResource);
    }

    /** Never throws: the model's exception becomes its FORBIDDEN sentinel, never an ERROR. */
    final int closeAndReadState() {
      try {
        node.close();
        return node.state();
      } catch (RuntimeException e) {
        return NaiveSlots.failure(e);
      }
    }

    /** One actor's work: the state before its close, then the state its close returned with. */
    final void closeAndReport(IIIII_Result r, boolean first) {
      int before;
      try {
        before = node.state();
      } catch (RuntimeException e) {
        before = NaiveSlots.failure(e);
      }
      int after = closeAndReadState();
      if (first) {
        r.r1 = before;
        r.r2 = after;
      } else {
        r.r3 = before;
        r.r4 = after;
      }
    }

    /** The arbiter's work: how many times the resource was closed. */
    final void reportCloses(IIIII_Result r) {
      try {
        r.r5 = closes.get();
      } catch (RuntimeException e) {
        r.r5 = NaiveSlots.failure(e);
      }
    }
  }

  @JCStressTest
  @Outcome(
      id = "0, 2, 0, 2, 1",
      expect = ACCEPTABLE,
      desc =
          "Both closes began while the node was OPEN: one won and closed the resource once, "
              + "the other lost and returned only when the node was CLOSED.")
  @Outcome(
      id = {"1, 2, 0, 2, 1", "0, 2, 1, 2, 1"},
      expect = ACCEPTABLE_INTERESTING,
      desc =
          "One close began while the other was closing the node (CLOSING): it waited for the "
              + "winner and returned CLOSED; the resource was closed once.")
  @Outcome(
      id = {"2, 2, 0, 2, 1", "0, 2, 2, 2, 1"},
      expect = ACCEPTABLE,
      desc = "One close began after the other had finished: it did nothing and returned CLOSED.")
  @Outcome(
      expect = FORBIDDEN,
      desc =
          "A close returned while the node was still CLOSING (the losing close returned at "
              + "once, before the winner finished): the guarantee is broken (expected of this "
              + "canary)."
              + NaiveSlots.SENTINELS)
  @State
  public static class BrokenLoserReturns extends NaiveProbe {
    public BrokenLoserReturns() {
      super(NaiveLifecycles.Flaw.LOSER_RETURNS);
    }

    @Actor
    public void closer1(IIIII_Result r) {
      closeAndReport(r, true);
    }

    @Actor
    public void closer2(IIIII_Result r) {
      closeAndReport(r, false);
    }

    @Arbiter
    public void arbiter(IIIII_Result r) {
      reportCloses(r);
    }
  }

  @JCStressTest
  @Outcome(
      id = "0, 2, 0, 2, 1",
      expect = ACCEPTABLE,
      desc =
          "Both closes began while the node was OPEN: one won and closed the resource once, "
              + "the other lost and returned only when the node was CLOSED.")
  @Outcome(
      id = {"1, 2, 0, 2, 1", "0, 2, 1, 2, 1"},
      expect = ACCEPTABLE_INTERESTING,
      desc =
          "One close began while the other was closing the node (CLOSING): it waited for the "
              + "winner and returned CLOSED; the resource was closed once.")
  @Outcome(
      id = {"2, 2, 0, 2, 1", "0, 2, 2, 2, 1"},
      expect = ACCEPTABLE,
      desc = "One close began after the other had finished: it did nothing and returned CLOSED.")
  @Outcome(
      expect = FORBIDDEN,
      desc =
          "Both closes saw the node OPEN and both closed the resource (check-then-act instead "
              + "of one CAS), or a close returned before the node was CLOSED: the guarantee is "
              + "broken (expected of this canary)."
              + NaiveSlots.SENTINELS)
  @State
  public static class BrokenCheckThenAct extends NaiveProbe {
    public BrokenCheckThenAct() {
      super(NaiveLifecycles.Flaw.CHECK_THEN_ACT);
    }

    @Actor
    public void closer1(IIIII_Result r) {
      closeAndReport(r, true);
    }

    @Actor
    public void closer2(IIIII_Result r) {
      closeAndReport(r, false);
    }

    @Arbiter
    public void arbiter(IIIII_Result r) {
      reportCloses(r);
    }
  }
}
