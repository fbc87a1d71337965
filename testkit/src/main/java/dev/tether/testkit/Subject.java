package dev.tether.testkit;

import dev.tether.Lifecycle;
import java.util.Objects;
import java.util.Optional;

/**
 * One open connection-like object of the library under test, as the adapter exposes it to the
 * kit: a way to make an event happen, and its close.
 *
 * <p>Thread-safety: {@link #fire} is called from one kit thread at a time, concurrently with
 * {@link #close()}; {@link #close()} is called from several threads at once (check d) and from
 * inside the kit's listener (checks b and c). The library's own guarantees decide what happens:
 * that is what the checks measure.
 *
 * <p>Blocking: whatever the library does; the kit bounds its own waits for {@link #close()} and
 * reports a close that does not return within the budget's bound as hung.
 *
 * <p>Exceptions: an exception from {@link #fire} after {@code close()} was called is expected
 * and ignored (the connection has ended); before it, it fails the check as a broken adapter. An
 * exception from {@link #close()} is a finding: check e accepts it as "failed loudly", the other
 * checks report it.
 *
 * @since 0.1.0
 */
public interface Subject {
  /**
   * Makes one event happen on this subject, as the library's users see events happen: typically
   * a loopback peer sends {@code event} as a message, which the library then delivers to the
   * kit's listener on its own threads. May return before the event is delivered.
   */
  void fire(String event) throws Exception;

  /** The library's close of this subject, as a user calls it. */
  void close() throws Exception;

  /**
   * The subject's {@link Lifecycle} node if it is built on one: check g then also requires the
   * node closed, with no child left open, and gone from its parent's children.
   */
  default Optional<Lifecycle> lifecycle() {
    return Optional.empty();
  }

  /** A subject made of its two operations: {@code Subject.of(peer::send, socket::close)}. */
  static Subject of(Firing fire, Closing close) {
    Objects.requireNonNull(fire, "fire");
    Objects.requireNonNull(close, "close");
    return new Subject() {
      @Override
      public void fire(String event) throws Exception {
        fire.fire(event);
      }

      @Override
      public void close() throws Exception {
        close.close();
      }
    };
  }

  /** As {@link #of(Firing, Closing)}, for a subject built on the Lifecycle node {@code node}. */
  static Subject of(Firing fire, Closing close, Lifecycle node) {
    Subject subject = of(fire, close);
    Objects.requireNonNull(node, "node");
    return new Subject() {
      @Override
      public void fire(String event) throws Exception {
        subject.fire(event);
      }

      @Override
      public void close() throws Exception {
        subject.close();
      }

      @Override
      public Optional<Lifecycle> lifecycle() {
        return Optional.of(node);
      }
    };
  }

  /** {@link Subject#fire} as a lambda. */
  @FunctionalInterface
  interface Firing {
    /** Makes one event happen. */
    void fire(String event) throws Exception;
  }

  /** {@link Subject#close} as a lambda. */
  @FunctionalInterface
  interface Closing {
    /** Closes the subject. */
    void close() throws Exception;
  }
}
