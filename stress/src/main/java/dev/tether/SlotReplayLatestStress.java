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
        "The value was lost (never delivered: invoke found no callback and stored the value "
            + "after set had drained the empty store), delivered twice (invoke and set both read "
            + "the kept value before either cleared it), or refused by invoke: the guarantee is "
            + "broken."
            + NaiveSlots.SENTINELS)
public class SlotReplayLatestStress {
  private SlotReplayLatestStress() {}

  /** The counting callback and the actors' work, over the variant's slot. */
  abstract static class Probe {
    final AtomicInteger deliveries = new AtomicInteger();
    final AtomicInteger deliverers = new AtomicInteger();
    volatile Thread setter;
    // The setter actor has no result to record its subject's exception in; the arbiter reports it.
    final NaiveSlots.Failures failures = new NaiveSlots.Failures();

    abstract boolean invoke(Integer value);

    /** Sets {@link #callback} on the variant's slot. */
    abstract void set();

    final void callback(Integer value) {
      deliveries.incrementAndGet();
      int who = Thread.currentThread() == setter ? 1 : 2;
      deliverers.accumulateAndGet(who, (a, b) -> a | b);
    }

    void invoker(III_Result r) {
      try {
        r.r1 = invoke(7) ? 1 : 0;
      } catch (RuntimeException e) {
        r.r1 = NaiveSlots.failure(this, e);
      }
    }

    void setter() {
      setter = Thread.currentThread();
      try {
        set();
      } catch (RuntimeException e) {
        failures.record(NaiveSlots.failure(this, e));
      }
    }

    void arbiter(III_Result r) {
      try {
        r.r2 = failures.or(deliveries.get());
        r.r3 = deliverers.get();
      } catch (RuntimeException e) {
        r.r2 = NaiveSlots.failure(this, e);
      }
    }
  }

  // The test classes re-declare the actors: jcstress 0.16 collects @Actor and @Arbiter methods
  // from a class's own declared methods only, not inherited ones.

  @JCStressTest
  @JCStressMeta(SlotReplayLatestStress.class)
  @State
  public static class Actual extends Probe {
    final CallbackSlot<Integer> slot =
        CallbackSlot.<Integer>builder("replay-latest").replay(Replay.latest()).build();

    @Override
    boolean invoke(Integer value) {
      return slot.invoke(value);
    }

    @Override
    void set() {
      slot.set(this::callback);
    }

    @Actor
    @Override
    public void invoker(III_Result r) {
      super.invoker(r);
    }

    @Actor
    @Override
    public void setter() {
      super.setter();
    }

    @Arbiter
    @Override
    public void arbiter(III_Result r) {
      super.arbiter(r);
    }
  }

  @JCStressTest
  @JCStressMeta(SlotReplayLatestStress.class)
  @State
  public static class BrokenLost extends Probe implements NaiveSlots.Canary {
    final NaiveSlots.NaiveReplaySlot<Integer> slot = new NaiveSlots.NaiveReplaySlot<>(false);

    @Override
    boolean invoke(Integer value) {
      return slot.invoke(value);
    }

    @Override
    void set() {
      slot.set(this::callback);
    }

    @Actor
    @Override
    public void invoker(III_Result r) {
      super.invoker(r);
    }

    @Actor
    @Override
    public void setter() {
      super.setter();
    }

    @Arbiter
    @Override
    public void arbiter(III_Result r) {
      super.arbiter(r);
    }
  }

  @JCStressTest
  @JCStressMeta(SlotReplayLatestStress.class)
  @State
  public static class BrokenTwice extends Probe implements NaiveSlots.Canary {
    final NaiveSlots.NaiveReplaySlot<Integer> slot = new NaiveSlots.NaiveReplaySlot<>(true);

    @Override
    boolean invoke(Integer value) {
      return slot.invoke(value);
    }

    @Override
    void set() {
      slot.set(this::callback);
    }

    @Actor
    @Override
    public void invoker(III_Result r) {
      super.invoker(r);
    }

    @Actor
    @Override
    public void setter() {
      super.setter();
    }

    @Arbiter
    @Override
    public void arbiter(III_Result r) {
      super.arbiter(r);
    }
  }
}
