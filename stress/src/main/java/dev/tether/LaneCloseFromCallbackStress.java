package dev.tether;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
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
 * (arbiter). A hang of the real {@code Lifecycle} blocks the run instead:
 * {@code stress/run-jcstress.sh} runs every harness under {@code timeout} and names it.
 *
 * <p>Run just this harness: {@code java -jar stress/target/jcstress.jar -t
 * LaneCloseFromCallbackStress}. {@code Actual} drives a {@link Lifecycle} with a serial lane; the
 * canary {@code BrokenJoin} drives {@link NaiveLanes.Lane}, whose close resets the slots and then
 * joins the lane (waits until it is idle), which from inside a lane callback waits for itself.
 */
public class LaneCloseFromCallbackStress {
  private LaneCloseFromCallbackStress() {}

  @JCStressTest
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
          "The close from inside the lane's callback hung (-1), or returned before the node "
              + "was CLOSED, or a data call was neither run nor counted: the guarantee is broken.")
  @State
  public static class Actual {
    final Lifecycle node = Lifecycle.root("conn", Delivery.serial());
    final CallbackSlot<Integer> bye = node.slot("bye");
    final CallbackSlot<Integer> data = node.slot("data");
    final AtomicInteger dataCalls = new AtomicInteger();
    volatile int closeResult;

    public Actual() {
      data.set(value -> dataCalls.incrementAndGet());
      bye.set(
          value -> {
            NaiveSlots.spin(SlotNoCallAfterResetStress.CALL_SPIN);
            node.close();
            closeResult = node.state() == Lifecycle.State.CLOSED ? 1 : 2;
          });
    }

    @Actor
    public void closer() {
      bye.invoke(1);
    }

    @Actor
    public void feeder() {
      data.invoke(1);
      data.invoke(2);
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
      r.r1 = closeResult;
      r.r2 = dataCalls.get();
      r.r3 = (int) (node.delivery().discardedCount() + data.droppedCount());
      r.r4 = node.state().ordinal();
    }
  }

  @JCStressTest
  @Outcome(
      id = {"1, 2, 0, 2", "1, 1, 1, 2", "1, 0, 2, 2"},
      expect = ACCEPTABLE,
      desc = "The close from the callback returned with the node closed.")
  @Outcome(
      expect = FORBIDDEN,
      desc =
          "The close from inside the lane's callback joined the lane and waited for itself "
              + "(-1): the guarantee is broken (expected of this canary)."
              + NaiveSlots.SENTINELS)
  @State
  public static class BrokenJoin {
    final NaiveLanes.Lane lane = new NaiveLanes.Lane(NaiveLanes.Flaw.NONE);
    final AtomicInteger dataCalls = new AtomicInteger();
    final AtomicInteger notRun = new AtomicInteger();
    final NaiveLanes.Slot<Integer> data =
        new NaiveLanes.Slot<>(lane, value -> dataCalls.incrementAndGet());
    volatile int closeResult;
    volatile boolean closed;
    final NaiveLanes.Slot<Integer> bye =
        new NaiveLanes.Slot<>(
            lane,
            value -> {
              NaiveSlots.spin(SlotNoCallAfterResetStress.CALL_SPIN);
              try {
                close();
                closeResult = 1;
              } catch (RuntimeException e) {
                closeResult = NaiveSlots.failure(e);
              }
            });
    // Every actor and the arbiter catch the model's exceptions: a canary fails only by a
    // FORBIDDEN outcome, never by an ERROR (see NaiveSlots.failure). The void actors record
    // theirs in failures, which the arbiter reports.
    final NaiveSlots.Failures failures = new NaiveSlots.Failures();

    void close() {
      closed = true;
      data.reset();
      lane.join(); // the processor join: wait until the lane is idle
    }

    @Actor
    public void closer() {
      try {
        bye.invoke(1);
      } catch (RuntimeException e) {
        failures.record(e);
      }
    }

    @Actor
    public void feeder() {
      try {
        for (int i = 1; i <= 2; i++) {
          if (!data.invoke(i)) {
            notRun.incrementAndGet();
          }
        }
      } catch (RuntimeException e) {
        failures.record(e);
      }
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
      try {
        r.r1 = failures.or(closeResult);
        r.r2 = dataCalls.get();
        r.r3 = notRun.get();
        r.r4 = closed ? 2 : 0;
      } catch (RuntimeException e) {
        r.r1 = NaiveSlots.failure(e);
      }
    }
  }
}
