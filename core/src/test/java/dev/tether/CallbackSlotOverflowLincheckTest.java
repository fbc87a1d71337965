package dev.tether;

import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tether.internal.TestGraphs;
import dev.tether.internal.WaitForGraph;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Model-checks the overflow path of {@link CallbackSlot} with Lincheck: every test object's slot
 * has its inline records claimed by {@link Occupiers}, live threads outside the scenario, so each
 * Lincheck thread marks its calls with a short-lived record in the overflow table. Checked: the
 * promise of {@code reset()} (no call of the removed callback is running, or starts, after it
 * returns) and linearizable set/invoke/reset. The canary runs the same scenario on a slot whose
 * reset does not see overflow marks, and must be caught. See {@link CallbackSlotLincheckTest}
 * for why each test object keeps a fresh {@link WaitForGraph}.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES) // model checking; slow on a loaded machine
class CallbackSlotOverflowLincheckTest {

  /** Live threads, parked for the life of the JVM, that own the inline records of each slot. */
  static final class Occupiers {
    static final Thread[] THREADS = new Thread[InFlight.INLINE_RECORDS];

    static {
      for (int i = 0; i < THREADS.length; i++) {
        Thread occupier =
            new Thread(
                () -> {
                  for (; ; ) {
                    LockSupport.park();
                  }
                },
                "lincheck-occupier-" + i);
        occupier.setDaemon(true);
        occupier.start();
        THREADS[i] = occupier;
      }
    }

    static <T> CallbackSlot<T> occupiedSlot(String name) {
      CallbackSlot<T> slot = CallbackSlot.create(name);
      for (Thread occupier : THREADS) {
        if (!slot.inFlightForTesting().claimInlineForTesting(occupier)) {
          throw new AssertionError("inline record not free");
        }
      }
      return slot;
    }
  }

  /** The probe callback and the two operations, over any slot. */
  abstract static class NoCallAfterReset {
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger lateStarts = new AtomicInteger();
    volatile boolean resetReturned;
    final Consumer<Integer> callback =
        value -> {
          if (resetReturned) {
            lateStarts.incrementAndGet();
          }
          inFlight.incrementAndGet();
          inFlight.decrementAndGet();
        };

    abstract void invokeSlot();

    abstract void resetSlot();

    /** Invokes; returns how many calls started after a reset returned (always 0). */
    @Operation
    public int invoke() {
      invokeSlot();
      return lateStarts.get();
    }

    /** Resets; returns how many calls were still running when it returned (always 0). */
    @Operation
    public int resetAndCheck() {
      resetSlot();
      resetReturned = true;
      return inFlight.get();
    }
  }

  public static class Actual extends NoCallAfterReset {
    private final WaitForGraph graph = TestGraphs.replace();
    private final CallbackSlot<Integer> slot = Occupiers.occupiedSlot("lincheck-overflow");

    public Actual() {
      slot.set(callback);
    }

    @Override
    void invokeSlot() {
      slot.invoke(1);
    }

    @Override
    void resetSlot() {
      slot.reset();
    }
  }

  /** The canary: reset swaps the callback out and waits for nothing on the overflow path. */
  public static class BrokenUnscannedOverflow extends NoCallAfterReset {
    private final AtomicReference<Consumer<Integer>> ref = new AtomicReference<>(callback);

    @Override
    void invokeSlot() {
      Consumer<Integer> c = ref.get();
      if (c != null) {
        c.accept(1);
      }
    }

    @Override
    void resetSlot() {
      ref.set(null);
    }
  }

  public static class NoCallAfterResetSpec {
    public int invoke() {
      return 0;
    }

    public int resetAndCheck() {
      return 0;
    }
  }

  /**
   * A remover scans every cell of the overflow table (InFlight.FIRST_BUCKETS * BUCKET = 128), a
   * bounded loop that Lincheck's default loop bound (50) would report as a livelock.
   */
  static final int LOOP_BOUND = 4 * InFlight.FIRST_BUCKETS * InFlight.BUCKET;

  private static ModelCheckingOptions options() {
    return new ModelCheckingOptions()
        .loopBound(LOOP_BOUND)
        .iterations(8)
        .invocationsPerIteration(100)
        .threads(2)
        .actorsPerThread(2)
        .sequentialSpecification(NoCallAfterResetSpec.class);
  }

  @Test
  void reset_overflowCallsInFlight_nothingRunsAfterItReturns() {
    Occupiers.occupiedSlot("warm-up"); // starts the occupiers outside the model checker
    options().check(Actual.class);
  }

  @Test
  void reset_canaryThatMissesOverflowCalls_isCaught() {
    assertThrows(AssertionError.class, () -> options().check(BrokenUnscannedOverflow.class));
  }

  /** Sequential behaviour on the overflow path: the id of the installed callback, or -1. */
  @Param(name = "id", gen = IntGen.class, conf = "1:3")
  public static class SetInvokeReset {
    private final WaitForGraph graph = TestGraphs.replace();
    private final CallbackSlot<int[]> slot = Occupiers.occupiedSlot("lincheck-overflow");

    @Operation
    public void set(@Param(name = "id") int id) {
      slot.set(out -> out[0] = id);
    }

    @Operation
    public int invoke() {
      int[] out = {-1};
      slot.invoke(out);
      return out[0];
    }

    @Operation
    public boolean reset() {
      return slot.reset();
    }
  }

  @Test
  void setInvokeReset_onOverflowPath_linearizable() {
    Occupiers.occupiedSlot("warm-up");
    new ModelCheckingOptions()
        .loopBound(LOOP_BOUND)
        .iterations(4)
        .invocationsPerIteration(50)
        .threads(2)
        .actorsPerThread(2)
        .sequentialSpecification(CallbackSlotLincheckTest.SetInvokeResetSpec.class)
        .check(SetInvokeReset.class);
  }
}
