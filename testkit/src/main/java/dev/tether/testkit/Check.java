package dev.tether.testkit;

/**
 * The battery's checks, a to g; each names the property it proves and is run by
 * {@link Battery#run}.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @since 0.1.0
 */
public enum Check {
  /**
   * a. While events flood in from another thread, {@code close()} is called while a listener
   * runs: when it returns, no listener is running, and none starts afterwards.
   */
  NO_LISTENER_AFTER_CLOSE("a", "no listener starts or is still running after close() returns"),
  /**
   * b. A listener calls {@code close()} on its own subject while events flood in: that call
   * returns within the bound, and no listener starts after it returned.
   */
  CLOSE_FROM_LISTENER("b", "close() from inside a listener returns, and nothing runs after it"),
  /**
   * c. Two subjects' listeners, running at the same moment, each close the other: both calls
   * return within the bound.
   */
  CROSS_CLOSE("c", "two subjects closing each other from their listeners both return"),
  /**
   * d. Several threads call {@code close()} at once while a listener runs: each returns only once
   * no listener runs, and the closed notification fires as {@link SubjectFactory#closedNotification}
   * says (exactly once, or never).
   */
  CONCURRENT_CLOSE(
      "d",
      "concurrent close() callers each return only when no listener runs, "
          + "and the closed notification fires as declared"),
  /**
   * e. A listener is blocked on a lock that the closing thread holds: {@code close()} returns or
   * fails loudly within the bound, never hangs. The verdict says which.
   */
  LISTENER_BLOCKED_ON_CLOSERS_LOCK(
      "e",
      "close() with a listener blocked on the closer's lock "
          + "returns or fails loudly, never hangs"),
  /**
   * f. A listener throws: later events are still delivered, and {@code close()} still returns.
   */
  THROWING_LISTENER("f", "a listener that throws stops neither later events nor close()"),
  /**
   * g. Threads the subject started end within the bound after {@code close()} returns; a
   * Lifecycle-based subject's node is closed, with no open child, and detached from its parent.
   */
  NO_LEAKS("g", "threads and lifecycle nodes the subject made are gone after close()");

  private final String letter;
  private final String property;

  Check(String letter, String property) {
    this.letter = letter;
    this.property = property;
  }

  /** The check's letter in the issue and the docs, {@code "a"} to {@code "g"}. */
  public String letter() {
    return letter;
  }

  /** The property, in words. */
  public String property() {
    return property;
  }

  @Override
  public String toString() {
    return letter + ". " + property;
  }
}
