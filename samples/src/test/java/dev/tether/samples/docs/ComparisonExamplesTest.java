package dev.tether.samples.docs;

import static dev.tether.samples.docs.DocTestSupport.eventually;
import static dev.tether.samples.docs.DocTestSupport.join;
import static dev.tether.samples.docs.DocTestSupport.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.CallbackDeadlockException;
import dev.tether.CallbackSlot;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The Java examples of docs/comparison.md, each run and checked. */
class ComparisonExamplesTest {

  @Test
  void reset_fromOwnCallback_returnsAtOnceAndTheRunningCallFinishes() {
    List<String> steps = new CopyOnWriteArrayList<>();
    // @start region="self-reset"
    CallbackSlot<String> onEvent = CallbackSlot.create("conn-42/onEvent");
    onEvent.set(event -> {
      onEvent.reset();          // from inside its own call: does not wait for itself
      steps.add("still running after reset");
    });
    onEvent.invoke("x");        // returns; the callback will not be called again
    // @end region="self-reset"
    assertEquals(List.of("still running after reset"), steps);
    assertFalse(onEvent.invoke("y"));
  }

  @Test
  void reset_lockInversion_isAnExceptionNamingTheSlotBothThreadsAndTheLock() {
    Object state = new Object();
    List<String> seen = new CopyOnWriteArrayList<>();
    CallbackSlot<String> onEvent = CallbackSlot.create("conn-42/onEvent");
    onEvent.set(
        event -> {
          synchronized (state) {
            seen.add(event);
          }
        });
    String outcome;
    Thread io;
    synchronized (state) {
      io = start("io-1", () -> onEvent.invoke("x"));
      eventually(
          "the callback to block on the monitor", () -> io.getState() == Thread.State.BLOCKED);
      outcome = resetHolding(state, onEvent);
    }
    join(io);
    for (String expected : List.of("conn-42/onEvent", "io-1", "java.lang.Object@")) {
      assertTrue(outcome.contains(expected), "message lacks " + expected + ": " + outcome);
    }
    assertFalse(onEvent.isSet(), "the slot is reset all the same");
    assertEquals(List.of("x"), seen, "the blocked call finishes once the lock is free");
  }

  /** Resets {@code onEvent} while holding {@code state}, which its running callback waits for. */
  private static String resetHolding(Object state, CallbackSlot<String> onEvent) {
    // @start region="lock-inversion"
    synchronized (state) {              // the running callback is blocked on this monitor
      try {
        onEvent.reset();                // would wait forever; detected after about 50 ms
        return "reset";
      } catch (CallbackDeadlockException e) {
        return e.getMessage();          // names the slot, both threads and the lock
      }
    }
    // @end region="lock-inversion"
  }
}
