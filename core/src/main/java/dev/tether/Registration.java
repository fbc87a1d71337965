package dev.tether;

import dev.tether.InFlight.ThreadRecord;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One installation of a callback in a {@link CallbackSlot}; identity distinguishes installations,
 * even of the same {@code Consumer}. It is what the in-flight marks record and, on a serial lane,
 * the header of each queued call ({@link LaneCall}). Immutable apart from {@link Weak}'s cleaner
 * handle, which is set before the registration is installed.
 */
class Registration<T extends @Nullable Object> extends LaneCall {
  /** The slot it is installed in; null only for the slot's CLOSED sentinel, which is never run. */
  final @Nullable CallbackSlot<T> slot;

  private final @Nullable Consumer<? super T> callback;

  Registration(@Nullable CallbackSlot<T> slot, @Nullable Consumer<? super T> callback) {
    this.slot = slot;
    this.callback = callback;
  }

  /** Calls the callback; false if it can no longer be called (its weak owner is gone). */
  boolean deliver(@Nullable T value) {
    Objects.requireNonNull(callback).accept(value);
    return true;
  }

  /** Called once the registration has been removed. */
  void retire() {}

  /**
   * Runs a call that the lane queued for this registration, on the lane's drainer thread; false
   * if it was removed before the call could start (the call is discarded). The drainer marks a
   * registration as any invoker does ([Dekker], InFlight), but keeps the mark across consecutive
   * calls of the same registration ([HeldMark], SerialLane): the mark is already visible, so each
   * further call needs only the re-check.
   */
  @Override
  @SuppressWarnings("unchecked") // the lane queued this value for this registration's slot
  final boolean runQueued(SerialLane.HeldMark held, @Nullable Object value) {
    CallbackSlot<T> owner = Objects.requireNonNull(slot);
    if (held.holds(this)) {
      if (owner.installed() != this) {
        held.release();
        return false; // removed between two calls: discarded, never run
      }
      return deliverMarked(owner, held, (T) value);
    }
    held.release();
    return runFirstQueued(owner, held, (T) value);
  }

  /** The first call of this registration in a run of the drain: mark, re-check, call. */
  private boolean runFirstQueued(
      CallbackSlot<T> owner, SerialLane.HeldMark held, @Nullable T value) {
    ThreadRecord self = owner.inFlight().recordFor(Thread.currentThread());
    if (self.isInside()) {
      // Not expected: a slot's calls all run on its one lane, which is busy while one of them
      // runs, so a drain never nests inside a call of the same slot. Handled, not assumed: mark
      // on the nested stack, and do not hold the mark.
      int outcome = SlotCalls.callMarked(owner, self, this, value, self.nestedDepth);
      if (outcome == SlotCalls.OWNER_GONE) {
        owner.evict(this);
      }
      return outcome == SlotCalls.CALLED;
    }
    if (!SlotCalls.markCurrent(owner, self, this, InFlight.OUTERMOST)) {
      return false; // removed before the call started: discarded, never run
    }
    held.hold(this, self);
    return deliverMarked(owner, held, value);
  }

  /** Calls this registration, whose mark {@code held} keeps; false if its owner is gone. */
  private boolean deliverMarked(
      CallbackSlot<T> owner, SerialLane.HeldMark held, @Nullable T value) {
    boolean delivered = false;
    try {
      delivered = SlotCalls.deliver(owner, this, value);
    } finally {
      if (!delivered) {
        held.release(); // a weak owner gone, or a VirtualMachineError on its way out
      }
    }
    if (!delivered) {
      owner.evict(this);
    }
    return delivered;
  }

  @Override
  final void clearMark(ThreadRecord record) {
    SlotCalls.clearMark(Objects.requireNonNull(slot), record, InFlight.OUTERMOST);
  }

  /** A registration whose owner is held weakly and passed to each call. */
  static final class Weak<O, T extends @Nullable Object> extends Registration<T> {
    private final WeakReference<O> owner;
    private final BiConsumer<? super O, ? super T> callback;
    Cleaner.@Nullable Cleanable cleanable;

    Weak(CallbackSlot<T> slot, O owner, BiConsumer<? super O, ? super T> callback) {
      super(slot, null);
      this.owner = new WeakReference<>(owner);
      this.callback = callback;
    }

    @Override
    boolean deliver(@Nullable T value) {
      O strongOwner = owner.get();
      if (strongOwner == null) {
        return false;
      }
      try {
        callback.accept(strongOwner, value);
      } finally {
        Reference.reachabilityFence(strongOwner);
      }
      return true;
    }

    @Override
    void retire() {
      Cleaner.Cleanable registered = cleanable;
      if (registered != null) {
        registered.clean(); // unregisters; its action is a no-op once removed
      }
    }
  }
}
