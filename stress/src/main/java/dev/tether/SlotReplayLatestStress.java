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
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Property: with {@link Replay#latest()}, a value invoked while no callback is set is kept and
 * delivered exactly once to the next callback set, also when the invoke races the set: never
 * lost, never delivered twice; and invoke reports it accepted.
 *
 * <p>The slot starts empty. Actor 1 invokes a value; actor 2 sets a counting callback. The
 * interleavings that matter: invoke finds no callback, and set installs the callback and drains
 * the (still empty) replay store before invoke stores the value (lost unless invoke checks again);
 * invoke stores and checks again while set drains (delivered twice unless taking the kept value is
 * atomic).
 *
 * <p>Result: r1 = invoke returned true (1) or false (0); r2 = how many times the callback received
 * the value; r3 = which thread delivered it: 1 = set's thread (replayed by set), 2 = invoke's
 * thread (called directly, or kept and then delivered by invoke itself), 3 = both. In a canary,
 * -1 or -2 in r1 or r2 records that its model hung or threw: forbidden.
 *
 * <p>Run just this harness: {@code java -jar stress/target/jcstress.jar -t
 * SlotReplayLatestStress}. {@code Actual} drives {@link CallbackSlot}; the canaries drive
 * {@link NaiveSlots.NaiveReplaySlot}: {@code BrokenLost} stores without checking again (loses the
 * value), {@code BrokenTwice} checks again but takes the kept value non-atomically (delivers
 * twice).
 */
public class SlotReplayLatestStress {
  private SlotReplayLatestStress() {}

  /** The counting callback, shared by all variants. */
  abstract static class Probe {
    final AtomicInteger deliveries = new AtomicInteger();
    final AtomicInteger deliverers = new AtomicInteger();
    volatile Thread setter;

    final void callback(Integer value) {
      deliveries.incrementAndGet();
      int who = Thread.currentThread() == setter ? 1 : 2;
      deliverers.accumulateAndGet(who, (a, b) -> a | b);
    }
  }

  @JCStressTest
  @Outcome(
      id = "1, 1, 2",
      expect = ACCEPTABLE,
      desc =
          "invoke delivered the value itself, exactly once: the callback was already set, or "
              + "invoke kept the value and then saw the new callback.")
  @Outcome(
      id = "1, 1, 1",
      expect = ACCEPTABLE_INTERESTING,
      desc =
          "invoke kept the value with no callback set; set then replayed it to the new "
              + "callback, exactly once.")
  @Outcome(
      expect = FORBIDDEN,
      desc =
          "The value was lost (never delivered), delivered twice, or refused by invoke: the "
              + "guarantee is broken.")
  @State
  public static class Actual extends Probe {
    final CallbackSlot<Integer> slot =
        CallbackSlot.<Integer>builder("replay-latest").replay(Replay.latest()).build();

    @Actor
    public void invoker(III_Result r) {
      r.r1 = slot.invoke(7) ? 1 : 0;
    }

    @Actor
    public void setter() {
      setter = Thread.currentThread();
      slot.set(this::callback);
    }

    @Arbiter
    public void arbiter(III_Result r) {
      r.r2 = deliveries.get();
      r.r3 = deliverers.get();
    }
  }

  @JCStressTest
  @Outcome(
      id = "1, 1, 2",
      expect = ACCEPTABLE,
      desc =
          "invoke delivered the value itself, exactly once: the callback was already set, or "
              + "invoke kept the value and then saw the new callback.")
  @Outcome(
      id = "1, 1, 1",
      expect = ACCEPTABLE_INTERESTING,
      desc =
          "invoke kept the value with no callback set; set then replayed it to the new "
              + "callback, exactly once.")
  @Outcome(
      expect = FORBIDDEN,
      desc =
          "The value was lost: invoke found no callback and stored it after set had drained "
              + "the empty store (expected of this canary)."
              + NaiveSlots.SENTINELS)
  @State
  public static class BrokenLost extends Probe {
    final NaiveSlots.NaiveReplaySlot<Integer> slot = new NaiveSlots.NaiveReplaySlot<>(false);

    // Every actor and the arbiter catch the model's exceptions: a canary fails only by a
    // FORBIDDEN outcome, never by an ERROR (see NaiveSlots.failure).
    final NaiveSlots.Failures failures = new NaiveSlots.Failures();

    @Actor
    public void invoker(III_Result r) {
      try {
        r.r1 = slot.invoke(7) ? 1 : 0;
      } catch (RuntimeException e) {
        r.r1 = NaiveSlots.failure(e);
      }
    }

    @Actor
    public void setter() {
      setter = Thread.currentThread();
      try {
        slot.set(this::callback);
      } catch (RuntimeException e) {
        failures.record(e);
      }
    }

    @Arbiter
    public void arbiter(III_Result r) {
      try {
        r.r2 = failures.or(deliveries.get());
        r.r3 = deliverers.get();
      } catch (RuntimeException e) {
        r.r2 = NaiveSlots.failure(e);
      }
    }
  }

  @JCStressTest
  @Outcome(
      id = "1, 1, 2",
      expect = ACCEPTABLE,
      desc =
          "invoke delivered the value itself, exactly once: the callback was already set, or "
              + "invoke kept the value and then saw the new callback.")
  @Outcome(
      id = "1, 1, 1",
      expect = ACCEPTABLE_INTERESTING,
      desc =
          "invoke kept the value with no callback set; set then replayed it to the new "
              + "callback, exactly once.")
  @Outcome(
      expect = FORBIDDEN,
      desc =
          "The value was delivered twice: invoke and set both read the kept value before "
              + "either cleared it (expected of this canary)."
              + NaiveSlots.SENTINELS)
  @State
  public static class BrokenTwice extends Probe {
    final NaiveSlots.NaiveReplaySlot<Integer> slot = new NaiveSlots.NaiveReplaySlot<>(true);

    // Every actor and the arbiter catch the model's exceptions: a canary fails only by a
    // FORBIDDEN outcome, never by an ERROR (see NaiveSlots.failure).
    final NaiveSlots.Failures failures = new NaiveSlots.Failures();

    @Actor
    public void invoker(III_Result r) {
      try {
        r.r1 = slot.invoke(7) ? 1 : 0;
      } catch (RuntimeException e) {
        r.r1 = NaiveSlots.failure(e);
      }
    }

    @Actor
    public void setter() {
      setter = Thread.currentThread();
      try {
        slot.set(this::callback);
      } catch (RuntimeException e) {
        failures.record(e);
      }
    }

    @Arbiter
    public void arbiter(III_Result r) {
      try {
        r.r2 = failures.or(deliveries.get());
        r.r3 = deliverers.get();
      } catch (RuntimeException e) {
        r.r2 = NaiveSlots.failure(e);
      }
    }
  }
}
