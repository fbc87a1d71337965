package dev.tether.testkit;

/**
 * What a subject's "closed" notification does on a local {@code close()}: checked by check d.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @since 0.1.0
 */
public enum ClosedNotification {
  /**
   * A local close reports nothing (the notification, if the library has one, is for the peer's
   * close or a failure): {@link Listener#onClosed()} must not be called.
   */
  NONE,
  /** A local close reports it: {@link Listener#onClosed()} is called exactly once. */
  EXACTLY_ONCE
}
