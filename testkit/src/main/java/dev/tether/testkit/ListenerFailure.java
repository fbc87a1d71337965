package dev.tether.testkit;

/**
 * What the kit's listener throws on purpose in check f (a listener that throws): the library
 * should treat it as any user listener's exception.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class ListenerFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  ListenerFailure(String message) {
    super(message, null, false, false); // no stack: it is expected, and may be logged per round
  }
}
