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
 * Property: {@link Lifecycle#close()} called from inside a callback running on the node's serial
 * lane terminates and leaves the node CLOSED, while another thread feeds the same lane: the close
 * does not wait for the lane to drain (libdatachannel's self-join of its per-connection
 * processor), and every call of the other slot is run before the close or discarded by it.
 *
 * <p>The node is a {@link Lifecycle} on a {@link Delivery#serial()} lane with two slots. Actor 1
 * invokes "bye", whose callback spins briefly and closes the node. Actor 2 invokes "data" twice,
 * whose callback counts. The interleavings that matter: actor 2's calls queued behind the closing
 * callback (discarded by the close), run by actor 2's thread before actor 1's call (then actor 1's
 * call is the one queued), or invoked after the close (dropped).
 *
 * <p>Result: r1 = the close from the callback: 0 = the callback never ran, 1 = returned with the
 * node CLOSED, -1 = a bounded wait would have hung, -2 = the model threw (canary only); r2 = "data" calls run; r3 =
 * "data" calls discarded or dropped; r4 = the node's state ordinal at the end (2 = CLOSED)
 * (arbiter). A hang of {@code Lifecycle} (its waits are uninterruptible) in {@code Actual} blocks its test instead: {@code stress/run-jcstress.sh}
 * runs the harnesses in one batch under {@code timeout} and names the hung test from a
 * thread dump of the test JVM.
 *
 * <p>Run just this harness: {@code java -jar stress/target/jcstress.jar -t
 * LaneCloseFromCallbackStress}. {@code Actual} drives a {@link Lifecycle} with a serial lane; the
 * canary {@code BrokenJoin} drives {@link NaiveLanes.Lane}, whose close resets the slots and then
 * joins the lane (waits until it is idle), which from inside a lane callback waits for itself.
 */
@Outcome(
    id = {"1, 2, 0, 2", "1, 1, 1, 2", "1, 0, 2, 2"},
    expect = ACCEPTABLE,
    desc =
        "The close from the callback returned with the node CLOSED; each data call ran "
            + "before it, or was discarded by it (queued behind the closing call) or dropped "
            + "(invoked after it).")
@Outcome(
    expect = FORBIDDEN,
    desc =
        "The close from inside the lane's callback hung (-1: it joined the lane and waited for "
            + "itself), or returned before the node was CLOSED, or a data call was neither run "
            + "nor counted: the guarantee is broken."
            + NaiveSlots.SENTINELS)
public class LaneCloseFromCallbackStress {
  private LaneCloseFromCallbackStress() {}

  /** The closing and the counting callbacks and the actors' work, over the variant's node. */
  abstract static class Probe {
    final AtomicInteger dataCalls = new AtomicInteger();
    volatile int closeResult;
    // The void actors record their subject's exception here; the arbiter reports it.
    final NaiveSlots.Failures failures = new NaiveSlots.Failures();

    abstract void invokeBye();

    /** Invokes the data slot with {@code value}. */
    abstract void invokeData(int value);

    abstract void close();

    /** The node's state (ordinal). */
    abstract int state();

    /** How many data calls were discarded or dropped without running. */
    abstract int notRun();

    final void bye(Integer value) {
      NaiveSlots.spin(SlotNoCallAfterResetStress.CALL_SPIN);
      try {
        close();
        closeResult = state() == NaiveLifecycles.CLOSED ? 1 : 2;
      } catch (RuntimeException e) {
        closeResult = NaiveSlots.failure(this, e);
      }
    }

    final void data(Integer value) {
      dataCalls.incrementAndGet();
    }

    void closer() {
      try {
        invokeBye();
      } catch (RuntimeException e) {
        failures.record(NaiveSlots.failure(this, e));
      }
    }

    void feeder() {
      try {
        invokeData(1);
        invokeData(2);
      } catch (RuntimeException e) {
        failures.record(NaiveSlots.failure(this, e));
      }
    }

    void arbiter(IIII_Result r) {
      try {
        r.r1 = failures.or(closeResult);
        r.r2 = dataCalls.get();
        r.r3 = notRun();
        r.r4 = state();
      } catch (RuntimeException e) {
        r.r1 = NaiveSlots.failure(this, e);
      }
    }
  }

  // The test classes re-declare the actors: jcstress 0.16 collects @Actor and @Arbiter methods
  // from a class's own declared methods only, not inherited ones.

  @JCStressTest
  @JCStressMeta(LaneCloseFromCallbackStress.class)
  @State
  public static class Actual extends Probe {
    final Lifecycle node = Lifecycle.root("conn", Delivery.serial());
    final CallbackSlot<Integer> bye = node.slot("bye");
    final CallbackSlot<Integer> data = node.slot("data");

    public Actual() {
      data.set(this::data);
      bye.set(this::bye);
    }

    @Override
    void invokeBye() {
      bye.invoke(1);
    }

    @Override
    void invokeData(int value) {
      data.invoke(value);
    }

    @Override
    void close() {
      node.close();
    }

    @Override
    int state() {
      return node.state().ordinal();
    }

    @Override
    int notRun() {
      return (int) (node.delivery().discardedCount() + data.droppedCount());
    }

    @Actor
    @Override
    public void closer() {
      super.closer();
    }

    @Actor
    @Override
    public void feeder() {
      super.feeder();
    }

    @Arbiter
    @Override
    public void arbiter(IIII_Result r) {
      super.arbiter(r);
    }
  }

  @JCStressTest
  @JCStressMeta(LaneCloseFromCallbackStress.class)
  @State
  public static class BrokenJoin extends Probe implements NaiveSlots.Canary {
    final NaiveLanes.Lane lane = new NaiveLanes.Lane(NaiveLanes.Flaw.NONE);
    final NaiveLanes.Slot<Integer> data = new NaiveLanes.Slot<>(lane, this::data);
    final NaiveLanes.Slot<Integer> bye = new NaiveLanes.Slot<>(lane, this::bye);
    final AtomicInteger notRun = new AtomicInteger();
    volatile boolean closed;

    @Override
    void invokeBye() {
      bye.invoke(1);
    }

    @Override
    void invokeData(int value) {
      if (!data.invoke(value)) {
        notRun.incrementAndGet();
      }
    }

    /** The naive close: clears the data slot, then joins the lane (the processor join). */
    @Override
    void close() {
      closed = true;
      data.reset();
      lane.join(); // wait until the lane is idle: from inside its callback, for itself
    }

    @Override
    int state() {
      return closed ? NaiveLifecycles.CLOSED : NaiveLifecycles.OPEN;
    }

    @Override
    int notRun() {
      return notRun.get();
    }

    @Actor
    @Override
    public void closer() {
      super.closer();
    }

    @Actor
    @Override
    public void feeder() {
      super.feeder();
    }

    @Arbiter
    @Override
    public void arbiter(IIII_Result r) {
      super.arbiter(r);
    }
  }
}
