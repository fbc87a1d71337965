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
 * Property: a {@link Lifecycle#child(String)} racing the parent's {@link Lifecycle#close()} is
 * either refused ({@code IllegalStateException}) or created and then {@link Lifecycle.State#CLOSED}
 * by the time the parent's close returns: never orphaned OPEN under a closed parent.
 * Registration checks the state under the parent's lock, and the closing parent snapshots its
 * children under the same lock after its OPEN-to-CLOSING CAS, so a child either lands in the
 * snapshot or sees CLOSING.
 *
 * <p>Actor 1 creates a child and publishes it in a volatile field. Actor 2 closes the parent,
 * then reads the published child's state. The arbiter reads the child's state again: nothing but
 * the parent closes the child, so a child not CLOSED at the end was not closed by the parent's
 * close. The interleavings that matter: the child is registered just before the close takes its
 * snapshot of children (it must be in it), or just after the CAS (it must be refused).
 *
 * <p>Result: r1 = 1 if the child was created, 0 if refused; r2 = the child's state (ordinal:
 * 0 OPEN, 1 CLOSING, 2 CLOSED) seen by actor 2 right after the parent's close returned, or 3 if
 * actor 1 had not published a child by then (none was created, or it was not stored yet); r3 =
 * the child's state at the end (arbiter), 3 if none was created; r4 = the parent's state when its
 * close returned. In the canary, -1 or -2 in r1, r3 or r4 records that its model hung or threw:
 * forbidden. A hang of {@code Lifecycle} (its waits are uninterruptible) in {@code Actual} blocks its test instead: {@code stress/run-jcstress.sh}
 * runs the harnesses in one batch under {@code timeout} and names the hung test from a
 * thread dump of the test JVM.
 *
 * <p>Run just this harness: {@code java -jar stress/target/jcstress.jar -t
 * LifecycleChildRaceStress}. {@code Actual} drives {@link Lifecycle}; the canary {@code Broken}
 * drives a {@link NaiveLifecycles.Node} whose {@code child()} checks "open?" outside its lock and
 * adds the child under the lock without checking again, so a child can be added after the
 * closing parent's snapshot and is left OPEN.
 */
@Outcome(
    id = "0, 3, 3, 2",
    expect = ACCEPTABLE_INTERESTING,
    desc =
        "The parent's close claimed the parent first: child() saw it CLOSING or CLOSED and "
            + "was refused.")
@Outcome(
    id = "1, 2, 2, 2",
    expect = ACCEPTABLE,
    desc =
        "The child was created first, and the parent's close closed it before returning "
            + "(actor 2 saw it CLOSED).")
@Outcome(
    id = "1, 3, 2, 2",
    expect = ACCEPTABLE,
    desc =
        "The child was created first and closed by the parent's close; actor 1 published it "
            + "only after actor 2's look.")
@Outcome(
    expect = FORBIDDEN,
    desc =
        "A child was created but not CLOSED when the parent's close returned (registered "
            + "after the closing parent's snapshot of children: orphaned), or the parent's close "
            + "returned before the parent was CLOSED: the guarantee is broken."
            + NaiveSlots.SENTINELS)
public class LifecycleChildRaceStress {
  private LifecycleChildRaceStress() {}

  /** r2/r3 value when there is no child to read. */
  static final int NO_CHILD = 3;

  /** The actors' work, over the variant's parent node. */
  abstract static class Probe {
    /**
     * Creates a child of the parent and publishes it (in a volatile field), or throws {@code
     * IllegalStateException} if the parent refuses.
     */
    abstract void createChild();

    abstract void closeParent();

    /** The parent's state (ordinal). */
    abstract int parentState();

    /** The published child's state (ordinal), or {@link #NO_CHILD}. */
    abstract int childState();

    void creator(IIII_Result r) {
      try {
        createChild();
        r.r1 = 1;
      } catch (IllegalStateException refused) {
        r.r1 = 0;
      } catch (RuntimeException e) {
        r.r1 = NaiveSlots.failure(this, e);
      }
    }

    void closer(IIII_Result r) {
      try {
        closeParent();
        r.r4 = parentState();
        r.r2 = childState();
      } catch (RuntimeException e) {
        r.r4 = NaiveSlots.failure(this, e);
      }
    }

    void arbiter(IIII_Result r) {
      try {
        r.r3 = childState();
      } catch (RuntimeException e) {
        r.r3 = NaiveSlots.failure(this, e);
      }
    }
  }

  // The test classes re-declare the actors: jcstress 0.16 collects @Actor and @Arbiter methods
  // from a class's own declared methods only, not inherited ones.

  @JCStressTest
  @JCStressMeta(LifecycleChildRaceStress.class)
  @State
  public static class Actual extends Probe {
    final Lifecycle parent = Lifecycle.root("child-race");
    volatile Lifecycle child;

    @Override
    void createChild() {
      child = parent.child("c");
    }

    @Override
    void closeParent() {
      parent.close();
    }

    @Override
    int parentState() {
      return parent.state().ordinal();
    }

    @Override
    int childState() {
      Lifecycle c = child;
      return c == null ? NO_CHILD : c.state().ordinal();
    }

    @Actor
    @Override
    public void creator(IIII_Result r) {
      super.creator(r);
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

  @JCStressTest
  @JCStressMeta(LifecycleChildRaceStress.class)
  @State
  public static class Broken extends Probe implements NaiveSlots.Canary {
    final NaiveLifecycles.Node parent =
        new NaiveLifecycles.Node(NaiveLifecycles.Flaw.CHECK_OUTSIDE_LOCK);
    volatile NaiveLifecycles.Node child;

    @Override
    void createChild() {
      child = parent.child(); // the model's "not open" is an IllegalStateException, as in Actual
    }

    @Override
    void closeParent() {
      parent.close();
    }

    @Override
    int parentState() {
      return parent.state();
    }

    @Override
    int childState() {
      NaiveLifecycles.Node c = child;
      return c == null ? NO_CHILD : c.state();
    }

    @Actor
    @Override
    public void creator(IIII_Result r) {
      super.creator(r);
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
