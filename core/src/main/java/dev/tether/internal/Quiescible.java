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

  /** Names this object in diagnostics, for example {@code slot 'onMessage'}. */
  String describe();

  /**
   * The object whose calls are waited for; {@link WaitForGraph#wake(Object)} is called with it.
   * Adapters made per wait return the one object they stand for.
   */
  Object identity();
}
