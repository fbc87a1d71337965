package dev.tether;

import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tether.internal.Quiescible;
import dev.tether.internal.TestGraphs;
import dev.tether.internal.WaitForGraph;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Model-checks the pair of issue "close() from outside every callback": one thread, inside no
 * callback, closes a node while another thread runs the node's listener, which closes the same
 * node. Lincheck explores both arrival orders of the two closes (and every other interleaving of
 * the claim, the slot's close and the graph's lock). In every one, the outside close returns only
 * when the listener's call has ended: {@code outsideClose} returns the number of listener calls
 * still running, which the specification says is 0; and neither close may hang.
 *
 * <p>The node is {@link Node}, {@link Lifecycle}'s close protocol in miniature on the real
 * {@link CallbackSlot} and the real wait-for graph: claim by CAS; the winner closes the slot
 * (waiting under the slot's rules), records whether a call it did not wait for still runs, and
 * publishes CLOSED; a loser waits for the winner's thread as a wait-for edge, then for the calls
 * the winner did not wait for. {@code Lifecycle} itself guards its structure with static striped
 * locks, which Lincheck cannot explore (see {@link CallbackSlotLincheckTest}); the real class is
 * driven by {@code LifecycleOutsideCloserStress} and {@link LifecycleOutsideCloserTest}.
 *
 * <p>The canary runs the same check on a graph that breaks every cycle at the thread whose wait
 * closes it (the rule before B1): Lincheck must find an interleaving where the outside close
 * returns while the listener runs.
 *
 * <p>Each test object starts a fresh graph and keeps it in a field (see
 * {@link CallbackSlotLincheckTest} for why).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES) // model checking; about 10 s on an idle machine
class LifecycleOutsideCloserLincheckTest {
  private static final Object CLOSED = new Object();

  /** {@code Lifecycle.close()}'s protocol for a node that owns one slot. */
  static final class Node {
    final CallbackSlot<Integer> onMessage = CallbackSlot.create("conn/onMessage");

    /** null: OPEN; a Thread: CLOSING by it; CLOSED. */
    final AtomicReference<Object> closer = new AtomicReference<>();

    /** Written before CLOSED is published: a call the closer did not wait for still ran. */
    boolean lingering;

    void close() {
      if (closer.compareAndSet(null, Thread.currentThread())) {
        onMessage.close();
        lingering = onMessage.runsRemovedCallbacks();
        closer.set(CLOSED);
        WaitForGraph.wake(this);
        return;
      }
      if (closer.get() != CLOSED) {
        WaitForGraph.await(asWaitTarget());
      }
      if (closer.get() == CLOSED && lingering) {
        onMessage.awaitRemovedCalls(true);
      }
    }

    private Quiescible asWaitTarget() {
      return new Quiescible() {
        @Override
        public void collectBlockers(
            @Nullable Thread excluded, Collection<Thread> out, boolean requestWake) {
          Object state = closer.get();
          if (state instanceof Thread && state != excluded) {
            out.add((Thread) state);
          }
        }

        @Override
        public boolean waitsForCallbacks() {
          return false;
        }

        @Override
        public boolean encloses(Quiescible other) {
          return other.identity() == onMessage || other.identity() == Node.this;
        }

        @Override
        public String describe() {
          return "the close of node 'conn'";
        }

        @Override
        public String targetName() {
          return "conn";
        }

        @Override
        public Object identity() {
          return Node.this;
        }
      };
    }
  }

  /** The pair, on the real graph's rules. */
  public static class Pair {
    final WaitForGraph graph = graph();
    private final Node conn = new Node();
    private final AtomicInteger running = new AtomicInteger();

    public Pair() {
      conn.onMessage.set(
          value -> {
            running.incrementAndGet();
            try {
              conn.close();
            } finally {
              running.decrementAndGet();
            }
          });
    }

    WaitForGraph graph() {
      return TestGraphs.replace();
    }

    /** The I/O thread delivers a message; the listener closes the node. */
    @Operation
    public int deliver() {
      conn.onMessage.invoke(1);
      return 0;
    }

    /** The application's thread, inside no callback, closes the node. */
    @Operation
    public int outsideClose() {
      conn.close();
      return running.get();
    }
  }

  /** The canary: the same pair on a graph with the rule before B1. */
  public static class PairBreakingAtArrival extends Pair {
    @Override
    WaitForGraph graph() {
      return TestGraphs.replaceBreakingCyclesAtArrival();
    }
  }

  public static class PairSpec {
    public int deliver() {
      return 0;
    }

    public int outsideClose() {
      return 0;
    }
  }

  private static ModelCheckingOptions options(Class<?> testClass) throws NoSuchMethodException {
    ExecutionScenario pair =
        new ExecutionScenario(
            List.of(),
            List.of(
                List.of(actor(testClass, "deliver")), List.of(actor(testClass, "outsideClose"))),
            List.of(),
            null);
    return new ModelCheckingOptions()
        .addCustomScenario(pair)
        .iterations(0)
        .invocationsPerIteration(300)
        .sequentialSpecification(PairSpec.class);
  }

  /** The canary leaves its graph installed; later tests in this JVM need the real rules. */
  @AfterEach
  void installFreshGraph() {
    TestGraphs.replace();
  }

  @Test
  void close_outsideAndFromListenerOfSameNode_outsideReturnsOnlyWhenNoListenerRuns()
      throws NoSuchMethodException {
    options(Pair.class).check(Pair.class);
  }

  @Test
  void close_canaryBreakingCyclesAtArrival_outsideCloseReturnsWhileListenerRuns()
      throws NoSuchMethodException {
    assertThrows(
        AssertionError.class,
        () -> options(PairBreakingAtArrival.class).check(PairBreakingAtArrival.class),
        "Lincheck must find the interleaving where the outside close skips its wait");
  }

  private static Actor actor(Class<?> testClass, String operation) throws NoSuchMethodException {
    Method method = testClass.getMethod(operation);
    return new Actor(method, List.of(), false, false, false, false, false);
  }
}
