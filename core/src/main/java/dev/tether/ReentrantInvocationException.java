package dev.tether;

import dev.tether.internal.ThreadNames;

/**
 * Thrown by {@link CallbackSlot#invoke} when a slot configured with {@link Reentrancy#REJECT} is
 * invoked from inside its own callback on the same thread.
 *
 * @since 0.1.0
 */
public final class ReentrantInvocationException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  private final String slotName;

  ReentrantInvocationException(String slotName) {
    super(
        "slot '"
            + slotName
            + "' was invoked from inside its own callback on "
            + ThreadNames.describe(Thread.currentThread())
            + ", and its reentrancy policy is REJECT");
    this.slotName = slotName;
  }

  /** The name of the slot that was invoked reentrantly. */
  public String slotName() {
    return slotName;
  }
}
