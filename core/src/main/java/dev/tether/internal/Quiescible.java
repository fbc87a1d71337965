package dev.tether.internal;

import java.util.Collection;
import org.jspecify.annotations.Nullable;

/**
 * Something a thread can wait on until no removed callback of it is running: a callback slot, or
 * later a delivery lane.
 *
 * <p>Implementations must make the set of blockers of one removal shrink only: once a callback is
 * removed no new call of it may start, so a thread that has stopped blocking never blocks again
 * for the same removal.
 */
public interface Quiescible {

  /**
   * Adds to {@code out} every thread other than {@code excluded} that is running a removed
   * callback of this object. If {@code requestWake} is set, asks each such thread to call
   * {@link WaitForGraph#wake(Object)} when its call returns. Reads only; takes no lock.
   */
  void collectBlockers(@Nullable Thread excluded, Collection<Thread> out, boolean requestWake);

  /**
   * Whether the threads this object's waiters wait for are running callbacks of it (a slot),
   * rather than doing work the waiter waits to see finished (a lifecycle's closing thread). A
   * member of a wait cycle that is waited for as a callback's runner is inside a callback, and
   * the cycle is broken there (WaitForGraph rules B1 to B3).
   */
  boolean waitsForCallbacks();

  /**
   * Whether a callback of {@code other} is a callback of this object too: the same object, or,
   * for a lifecycle, a slot of its subtree. A thread inside such a callback that waits on this
   * object may stop waiting as a reentrant reset does (WaitForGraph rule B1).
   */
  default boolean encloses(Quiescible other) {
    return other.identity() == identity();
  }

  /** Names this object in diagnostics, for example {@code slot 'onMessage'}. */
  String describe();

  /**
   * The bare name of what is waited on, for the {@code target} field of Tether's JFR events: a
   * slot's name or a lifecycle's path.
   */
  String targetName();

  /**
   * The object whose calls are waited for; {@link WaitForGraph#wake(Object)} is called with it.
   * Adapters made per wait return the one object they stand for.
   */
  Object identity();
}
