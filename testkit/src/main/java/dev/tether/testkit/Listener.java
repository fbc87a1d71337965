package dev.tether.testkit;

import org.jspecify.annotations.Nullable;

/**
 * The kit's listener, which an adapter registers on its subject: it records every call (its
 * thread, start and end) and does what the running check needs (hold, close, block, throw).
 *
 * <p>Instances are thread-safe: the library may call them from any thread, several at once.
 *
 * <p>Memory consistency effects: actions of the library before it calls {@link #onEvent}
 * happen-before the kit analyses that call.
 *
 * <p>Blocking: {@link #onEvent} blocks as long as the running check makes it (at most a few times
 * the budget's bound, see {@link Budget}); {@link #onClosed} does not block.
 *
 * <p>Reentrancy: {@link #onEvent} may, by the check's design, call the subject's
 * {@code close()} (check b) or another subject's (check c) from inside itself.
 *
 * <p>Exceptions: check f makes {@link #onEvent} throw a {@link ListenerFailure} on purpose; the
 * adapter must let it reach the library as a throwing user listener would. Call both methods
 * directly from the library's callbacks, without catching.
 *
 * @since 0.1.0
 */
public interface Listener {
  /**
   * Call from the library's event callback (a message arrived), with what it delivered: a
   * {@link CharSequence}, a {@link java.nio.ByteBuffer} or a {@code byte[]} holding the text
   * that {@link Subject#fire} was given is shown in failure messages.
   */
  void onEvent(@Nullable Object event);

  /** Call from the library's "closed" callback, if it has one. */
  void onClosed();
}
