package dev.tether;

import dev.tether.InFlight.ThreadRecord;
import org.jspecify.annotations.Nullable;

/**
 * A queued call's header as a serial lane sees it: one installation of a callback, which runs the
 * lane's calls under its slot's in-flight marks. {@link Registration} extends it, so the lane
 * ({@link SerialLane}) depends on registrations and marks, never on the slot; the dependency runs
 * one way, from the slot to the lane.
 *
 * <p>An abstract class, not an interface: Registration is its only subclass, so the drainer's
 * cast is a class check and class hierarchy analysis makes its calls direct (the measured cost of
 * an interface here is in docs/design-notes.md).
 */
abstract class LaneCall {
  /**
   * Runs one call queued with {@code value} on the lane's drainer thread, unless this
   * installation was removed before the call could start. May leave its in-flight mark in {@code
   * held} for the next call of the same installation.
   *
   * @return false if the call was discarded (removed, or its weak owner gone)
   */
  abstract boolean runQueued(SerialLane.HeldMark held, @Nullable Object value);

  /** Clears the outermost mark {@code record} carries for this installation; wakes its waiters. */
  abstract void clearMark(ThreadRecord record);
}
