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

  @Override
  @SuppressWarnings("unchecked") // the lane queued this value for this registration's slot
  final boolean runQueued(SerialLane.HeldMark held, @Nullable Object value) {
    return Objects.requireNonNull(slot).runQueued(held, this, (T) value);
  }

  @Override
  final void clearMark(ThreadRecord record) {
    Objects.requireNonNull(slot).clearMark(record, InFlight.OUTERMOST);
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
