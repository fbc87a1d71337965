package dev.tether.testkit;

/**
 * The adapter an author writes: opens a subject of their library with the kit's listener
 * registered, and says what the library promises about its closed notification and its threads.
 *
 * <p>Thread-safety: {@link #open} is called from one thread at a time (the test's), never
 * concurrently; subjects are closed before the check that opened them returns.
 *
 * <p>Blocking: {@link #open} may block until the subject is connected (bound it yourself: the kit
 * cannot interrupt it).
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface SubjectFactory {
  /**
   * Opens a connected subject named {@code name} and registers {@code listener}: its
   * {@link Listener#onEvent} on the library's event callback, and its {@link Listener#onClosed}
   * on the closed callback if there is one. Events fired through the returned subject must reach
   * the listener.
   */
  Subject open(String name, Listener listener) throws Exception;

  /** What a local close reports; by default nothing ({@link ClosedNotification#NONE}). */
  default ClosedNotification closedNotification() {
    return ClosedNotification.NONE;
  }

  /**
   * Whether {@code thread}, started while a subject was open and still alive after its close, is
   * shared by all subjects (a pool that outlives them by design) rather than the subject's own:
   * check g then does not count it as leaked. By default none is; JVM-wide threads (the JDK's
   * common pool and cleaners, Tether's cleaner) and the kit's own never count.
   */
  default boolean isSharedThread(Thread thread) {
    return false;
  }
}
