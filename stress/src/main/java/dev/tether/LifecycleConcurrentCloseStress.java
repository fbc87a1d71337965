package dev.tether;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
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
 * the same for actor 2; r5 = how many times the resource was closed (arbiter). A hang of {@code Lifecycle} (its waits are uninterruptible) in {@code Actual} blocks its test instead: {@code stress/run-jcstress.sh}
 * runs the harnesses in one batch under {@code timeout} and names the hung test from a
 * thread dump of the test JVM.
 *
 * <p>Run just this harness: {@code java -jar stress/target/jcstress.jar -t
 * LifecycleConcurrentCloseStress}. {@code Actual} drives {@link Lifecycle}; the canaries drive
 * {@link NaiveLifecycles.Node}: {@code BrokenLoserReturns}, whose losing close returns at once
 * (the libdatachannel PR 1384 bug), and {@code BrokenCheckThenAct}, whose close checks "open?"
 * and then marks the node closing in two steps, so both callers can close the resource.
 */
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
            + "resource was closed twice (both closes saw the node OPEN) or never: the guarantee "
            + "is broken."
            + NaiveSlots.SENTINELS)
public class LifecycleConcurrentCloseStress {
  private LifecycleConcurrentCloseStress() {}

  /** The owned resource, which counts its closes, and the actors' work over the variant's node. */
  abstract static class Probe {
    final AtomicInteger closes = new AtomicInteger();

    abstract void close();

    /** The node's state (ordinal). */
    abstract int state();

    /** Spins first so that the winner is slow. */
    final void closeResource() {
      NaiveSlots.spin(SlotNoCallAfterResetStress.CALL_SPIN);
      closes.incrementAndGet();
    }

    /** Closes the node; returns the state it then has, 3 for a (false) lock cycle, or a sentinel. */
    final int closeAndReadState() {
      try {
        close();
        return state();
      } catch (CallbackDeadlockException falseLockCycle) {
        return 3;
      } catch (RuntimeException e) {
        return NaiveSlots.failure(this, e);
      }
    }

    void closer1(IIIII_Result r) {
      r.r1 = state();
      r.r2 = closeAndReadState();
    }

    void closer2(IIIII_Result r) {
      r.r3 = state();
      r.r4 = closeAndReadState();
    }

    void arbiter(IIIII_Result r) {
      r.r5 = closes.get();
    }
  }

  /** The canaries' subject: a naive node with the given flaw, owning the resource. */
  abstract static class NaiveProbe extends Probe {
    final NaiveLifecycles.Node node;

    NaiveProbe(NaiveLifecycles.Flaw flaw) {
      node = new NaiveLifecycles.Node(flaw);
      node.own(this::closeResource);
    }

    @Override
    final void close() {
      node.close();
    }

    @Override
    final int state() {
      return node.state();
    }
  }

  // The test classes re-declare the actors: jcstress 0.16 collects @Actor and @Arbiter methods
  // from a class's own declared methods only, not inherited ones.

  @JCStressTest
  @JCStressMeta(LifecycleConcurrentCloseStress.class)
  @State
  public static class Actual extends Probe {
    final Lifecycle node = Lifecycle.root("concurrent-close");

    public Actual() {
      AutoCloseable resource = this::closeResource;
      node.own(resource);
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
    public void closer1(IIIII_Result r) {
      super.closer1(r);
    }

    @Actor
    @Override
    public void closer2(IIIII_Result r) {
      super.closer2(r);
    }

    @Arbiter
    @Override
    public void arbiter(IIIII_Result r) {
      super.arbiter(r);
    }
  }

  @JCStressTest
  @JCStressMeta(LifecycleConcurrentCloseStress.class)
  @State
  public static class BrokenLoserReturns extends NaiveProbe implements NaiveSlots.Canary {
    public BrokenLoserReturns() {
      super(NaiveLifecycles.Flaw.LOSER_RETURNS);
    }

    @Actor
    @Override
    public void closer1(IIIII_Result r) {
      super.closer1(r);
    }

    @Actor
    @Override
    public void closer2(IIIII_Result r) {
      super.closer2(r);
    }

    @Arbiter
    @Override
    public void arbiter(IIIII_Result r) {
      super.arbiter(r);
    }
  }

  @JCStressTest
  @JCStressMeta(LifecycleConcurrentCloseStress.class)
  @State
  public static class BrokenCheckThenAct extends NaiveProbe implements NaiveSlots.Canary {
    public BrokenCheckThenAct() {
      super(NaiveLifecycles.Flaw.CHECK_THEN_ACT);
    }

    @Actor
    @Override
    public void closer1(IIIII_Result r) {
      super.closer1(r);
    }

    @Actor
    @Override
    public void closer2(IIIII_Result r) {
      super.closer2(r);
    }

    @Arbiter
    @Override
    public void arbiter(IIIII_Result r) {
      super.arbiter(r);
    }
  }
}
