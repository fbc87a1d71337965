package dev.tether;

import dev.tether.InFlight.ThreadRecord;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * The values a {@link CallbackSlot} cannot call at once: one invoked from inside the slot's own
 * callback on the same thread (its {@link Reentrancy} policy), and one that finds no callback
 * installed (its {@link Replay} policy). Part of the slot, in a file of its own; it holds no
 * state: deferred values live in the invoking thread's record, kept values in the slot's {@link
 * ReplayBuffer}.
 */
/*
 * Implementation notes
 *
 * Deferred values are drained by the outermost invoke of the thread that deferred them, after its
 * own call and in order, each as a fresh outermost call; the record is passed along because a
 * short-lived record is found again only while it is marked.
 *
 * Kept values are delivered exactly once: ReplayBuffer.take() is atomic, and both a set (after
 * installing) and an invoke that kept a value while a set ran (after its offer) try to take. A
 * value taken while the callback is being removed again goes back to the front, never behind
 * newer values.
 */
final class SlotBacklog {
  private SlotBacklog() {}

  /** An invoke from inside this slot's own callback on the same thread, per the policy. */
  static <T extends @Nullable Object> boolean invokeReentrant(
      CallbackSlot<T> slot, ThreadRecord self, @Nullable T value) {
    switch (slot.policy().reentrancy) {
      case REJECT:
        throw new ReentrantInvocationException(slot.name());
      case DEFER:
        self.defer(value);
        return true;
      case ALLOW:
      default:
        return SlotCalls.callCurrent(slot, self, value, self.nestedDepth)
            || keepOrDrop(slot, value, self);
    }
  }

  /** Calls, in order, each value the outermost call deferred, as a fresh outermost call. */
  @SuppressWarnings("unchecked")
  static <T extends @Nullable Object> void drainDeferred(
      CallbackSlot<T> slot, ArrayDeque<Object> queue, ThreadRecord self) {
    Object next;
    while ((next = queue.pollFirst()) != null) {
      T value = next == ThreadRecord.NULL_VALUE ? null : (T) next;
      if (!SlotCalls.callCurrent(slot, self, value, InFlight.OUTERMOST)) {
        keepOrDrop(slot, value, self);
      }
    }
  }

  /**
   * Keeps the value per the replay policy, or counts it dropped; returns whether it was kept.
   * {@code self}: the calling thread's record when the caller holds it (a guest is not found
   * again once out of the table), else null.
   */
  static <T extends @Nullable Object> boolean keepOrDrop(
      CallbackSlot<T> slot, @Nullable T value, @Nullable ThreadRecord self) {
    ReplayBuffer buffer = slot.replayBuffer();
    if (slot.isClosed()) {
      buffer.countDrop();
      return false;
    }
    if (!buffer.offer(value)) {
      return false;
    }
    // A set may have installed a callback and drained the buffer just before the offer: if a
    // callback is there now, deliver what is kept (take() is atomic, so exactly once).
    if (slot.isSet()) {
      deliverKept(slot, self);
    }
    if (slot.isClosed()) {
      buffer.discardAll(); // close raced the offer; close discards
    }
    return true;
  }

  /**
   * Delivers the kept values, oldest first, to the installed callback: on the lane, or on this
   * thread ({@code caller}: its record if the caller holds it, else null).
   */
  @SuppressWarnings("unchecked")
  static <T extends @Nullable Object> void deliverKept(
      CallbackSlot<T> slot, @Nullable ThreadRecord caller) {
    ReplayBuffer buffer = slot.replayBufferIfCreated();
    if (buffer == null) {
      return;
    }
    SerialLane lane = slot.lane();
    ThreadRecord self = caller;
    Object kept;
    while (slot.isSet() && (kept = buffer.take()) != ReplayBuffer.EMPTY) {
      if (lane != null) {
        if (!slot.submitToLane(lane, (T) kept)) {
          buffer.putBack(kept);
          return;
        }
        continue;
      }
      if (self == null) {
        self = slot.inFlight().recordFor(Thread.currentThread());
      }
      if (self.isInside()) {
        // set() from inside this slot's own callback: the replay is not the user's reentrant
        // invoke, so it is deferred behind the running call whatever the policy says.
        self.defer(kept);
      } else if (!SlotCalls.callThenDrain(slot, self, (T) kept)) {
        buffer.putBack(kept); // removed meanwhile: back in front, never behind newer values
        return;
      }
    }
  }
}
