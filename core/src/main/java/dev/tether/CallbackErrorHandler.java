package dev.tether;

import dev.tether.internal.ThreadNames;
import java.lang.System.Logger.Level;

/**
 * Receives what a slot's callback threw, so that a failing callback neither escapes into the
 * invoking (often native or I/O) thread nor corrupts the slot.
 *
 * <p>The handler runs on the invoking thread, right after the callback threw, and still counts as
 * part of that call: a {@code reset()} that waits for the call also waits for the handler. It is
 * never given a {@link VirtualMachineError}; those propagate out of {@code invoke} after the slot's
 * bookkeeping is restored. What the handler itself throws is logged and dropped, except a
 * {@code VirtualMachineError}, which propagates.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface CallbackErrorHandler {

  /**
   * Handles an exception or error thrown by the callback of {@code slot}.
   *
   * @param slot the slot whose callback failed
   * @param error what the callback threw
   */
  void onCallbackError(CallbackSlot<?> slot, Throwable error);

  /**
   * The default handler: logs through {@link System.Logger} {@code dev.tether.CallbackSlot} at
   * {@code WARNING}, naming the slot and the thread.
   */
  static CallbackErrorHandler logging() {
    return (slot, error) ->
        System.getLogger("dev.tether.CallbackSlot")
            .log(
                Level.WARNING,
                "callback of slot '"
                    + slot.name()
                    + "' threw on "
                    + ThreadNames.describe(Thread.currentThread()),
                error);
  }
}
