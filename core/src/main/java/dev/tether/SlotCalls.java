package dev.tether;

import dev.tether.InFlight.ThreadRecord;
import dev.tether.internal.WaitForGraph;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * How a call of a {@link CallbackSlot}'s callback runs on the invoking thread: mark, re-check,
 * call, clear, wake. The invoker's side of the slot (the remover's is {@link SlotQuiescence}); part of
 * the slot, in a file of its own; it holds no state. A lane's drainer uses the same steps through
 * {@link Registration}.
 */
/*
 * Implementation notes
 *
 * The first few threads own a padded record each, every further thread uses a record that exists
 * only while its invoke runs (InFlight). An invoke does (callMarked, the one place a call starts,
 * and markCurrent):
 *   1. r = current                                   (volatile read)
 *   2. mark r on the thread's record                 (a volatile write: the one full fence)
 *   3. if current != r: clear the mark and retry     (volatile read)
 *   4. call r's callback
 *   5. clear the mark                                (release stores), then wake waiters if asked.
 * A remover swaps `current` (volatile CAS) and then scans the marks for registrations that differ
 * from the current one. Steps 2-3 against swap-then-scan are the pair [Dekker] of InFlight's
 * notes: either the scan sees the mark (so the remover waits), or the invoker sees the change and
 * never calls.
 *
 * A callback's failure never leaves a mark of callMarked set: the clear is in a finally (a lane's
 * drainer keeps its mark across calls on purpose and releases it as [HeldMark], SerialLane,
 * says), and deliver routes
 * every failure but a VirtualMachineError to the error handler. Deferred values are drained by
 * the outermost call after its own call (SlotBacklog); the thread's record is passed along, since
 * a short-lived record is found again only while it is marked.
 */
final class SlotCalls {
  private SlotCalls() {}

  /** Outcomes of {@link #callMarked}. */
  static final int NOT_CURRENT = 0;

  static final int CALLED = 1;
  static final int OWNER_GONE = 2;

  /**
   * The one place a call of an inline slot starts: marks {@code registration} on {@code self} at
   * {@code depth} ({@link InFlight#OUTERMOST} or a nested depth), re-checks that it is still
   * installed, calls it, clears the mark and wakes a remover that asked.
   *
   * @return {@link #CALLED}; {@link #NOT_CURRENT} if it was removed before the call could start
   *     (never called); {@link #OWNER_GONE} if its weak owner is gone (not called)
   */
  static <T extends @Nullable Object> int callMarked(
      CallbackSlot<T> slot,
      ThreadRecord self,
      Registration<? super T> registration,
      @Nullable T value,
      int depth) {
    if (!markCurrent(slot, self, registration, depth)) {
      return NOT_CURRENT;
    }
    boolean delivered;
    try {
      delivered = deliver(slot, registration, value);
    } finally {
      clearMark(slot, self, depth);
    }
    return delivered ? CALLED : OWNER_GONE;
  }

  /**
   * The invoker's side of [Dekker] (InFlight): mark, then re-read {@code current}. Returns true
   * with the mark set if {@code registration} is still installed; otherwise clears the mark (it
   * lost a race with a removal, and the call must never start) and returns false.
   */
  static <T extends @Nullable Object> boolean markCurrent(
      CallbackSlot<T> slot, ThreadRecord self, Registration<? super T> registration, int depth) {
    InFlight.mark(self, registration, depth);
    if (slot.installed() == registration) {
      return true;
    }
    clearMark(slot, self, depth);
    return false;
  }

  /** Clears a mark of {@code slot} and wakes the removers waiting for it, if one asked. */
  static void clearMark(CallbackSlot<?> slot, ThreadRecord self, int depth) {
    if (InFlight.clear(self, depth)) {
      WaitForGraph.wake(slot);
    }
  }

  /**
   * Calls the installed callback once, marked at {@code depth}: the outermost call of
   * {@code invoke}, or ALLOW's nested call.
   *
   * @return whether a callback was called
   */
  static <T extends @Nullable Object> boolean callCurrent(
      CallbackSlot<T> slot, ThreadRecord self, @Nullable T value, int depth) {
    for (; ; ) {
      Registration<? super T> registration = slot.installed();
      if (registration == null || CallbackSlot.isClosedSentinel(registration)) {
        return false;
      }
      int outcome = callMarked(slot, self, registration, value, depth);
      if (outcome == CALLED) {
        return true;
      }
      if (outcome == OWNER_GONE) {
        slot.evict(registration); // see whether another callback is set
      }
    }
  }

  /** Runs the callback, routing its failure to the error handler; false if its owner is gone. */
  static <T extends @Nullable Object> boolean deliver(
      CallbackSlot<T> slot, Registration<? super T> registration, @Nullable T value) {
    try {
      return registration.deliver(value);
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable failure) {
      slot.policy().reportFailure(slot, failure);
      return true;
    }
  }

  /**
   * An outermost call: calls once, then runs, in order, what the call deferred (DEFER), each as a
   * fresh outermost call. Returns whether the first call happened.
   */
  static <T extends @Nullable Object> boolean callThenDrain(
      CallbackSlot<T> slot, ThreadRecord self, @Nullable T value) {
    try {
      boolean called = callCurrent(slot, self, value, InFlight.OUTERMOST);
      ArrayDeque<Object> queue = self.deferred;
      if (queue != null && !queue.isEmpty()) {
        SlotBacklog.drainDeferred(slot, queue, self);
      }
      return called;
    } catch (VirtualMachineError fatal) {
      if (self.deferred != null) {
        self.deferred.clear(); // the thread is failing; never deliver these on a later invoke
      }
      throw fatal;
    }
  }
}
