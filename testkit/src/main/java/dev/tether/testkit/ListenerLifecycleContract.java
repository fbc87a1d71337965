package dev.tether.testkit;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The battery as a JUnit 5 test interface: a test class that implements {@link #subjects()} gets
 * one test per {@link Check}, each failing with the check's report in words.
 *
 * <pre>{@code
 * class MyClientContractTest implements ListenerLifecycleContract {
 *   public SubjectFactory subjects() {
 *     return (name, listener) -> { ... open, register listener, return a Subject ... };
 *   }
 * }
 * }</pre>
 *
 * <p>Thread-safety: JUnit calls the tests one at a time on the class's instance; do not run
 * them in parallel with other tests (check g counts the JVM's threads, and every check measures
 * timing).
 *
 * <p>Blocking: each test takes about {@link #budget()}'s {@code time}, plus its {@code bound} per
 * hang found; none waits for the library without a bound.
 *
 * @since 0.1.0
 */
public interface ListenerLifecycleContract {
  /** The adapter to the library under test; called once per test. */
  SubjectFactory subjects();

  /** The budget of every check; {@link Budget#defaults()} unless overridden. */
  default Budget budget() {
    return Budget.defaults();
  }

  /** Check a. */
  @Test
  @DisplayName("a. no listener starts or is still running after close() returns")
  default void close_eventsFloodingIn_noListenerRunsAfterReturn() {
    Battery.run(Check.NO_LISTENER_AFTER_CLOSE, subjects(), budget()).assertPassed();
  }

  /** Check b. */
  @Test
  @DisplayName("b. close() from inside a listener returns, and nothing runs after it")
  default void close_fromInsideListener_returnsAndNothingRunsAfter() {
    Battery.run(Check.CLOSE_FROM_LISTENER, subjects(), budget()).assertPassed();
  }

  /** Check c. */
  @Test
  @DisplayName("c. two subjects closing each other from their listeners both return")
  default void close_crossFromTwoListeners_bothReturn() {
    Battery.run(Check.CROSS_CLOSE, subjects(), budget()).assertPassed();
  }

  /** Check d. */
  @Test
  @DisplayName(
      "d. concurrent close() callers return only when no listener runs; closed as declared")
  default void close_fromSeveralThreads_eachReturnsWhenQuietAndClosedFiresAsDeclared() {
    Battery.run(Check.CONCURRENT_CLOSE, subjects(), budget()).assertPassed();
  }

  /** Check e. */
  @Test
  @DisplayName("e. close() with a listener blocked on the closer's lock returns or fails loudly")
  default void close_listenerBlockedOnClosersLock_returnsOrFailsLoudly() {
    Battery.run(Check.LISTENER_BLOCKED_ON_CLOSERS_LOCK, subjects(), budget()).assertPassed();
  }

  /** Check f. */
  @Test
  @DisplayName("f. a listener that throws stops neither later events nor close()")
  default void listener_throws_laterEventsAndCloseUnaffected() {
    Battery.run(Check.THROWING_LISTENER, subjects(), budget()).assertPassed();
  }

  /** Check g. */
  @Test
  @DisplayName("g. threads and lifecycle nodes the subject made are gone after close()")
  default void close_returned_noThreadOrNodeLeft() {
    Battery.run(Check.NO_LEAKS, subjects(), budget()).assertPassed();
  }
}
