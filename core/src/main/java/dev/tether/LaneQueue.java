package dev.tether;

import org.jspecify.annotations.Nullable;

/**
 * The queue of a serial {@link Delivery} lane: many producers, one consumer at a time (the lane's
 * drainer), calls stored as two references, a header and a value, that are enqueued together.
 * Package-private so that the queue behind it can be swapped without touching the lane (the
 * choice is measured in {@code bench/LaneQueueBenchmark}); the one implementation is
 * {@link XaddLaneQueue}.
 */
interface LaneQueue {
  /**
   * Enqueues {@code header} and {@code value} as one call: no other producer's call lands between
   * them, and calls are ordered by the moment their offer claimed its place. Never blocks; any
   * thread. The claim is a volatile read-modify-write, so a producer's later volatile read of
   * the lane's state is ordered after it.
   */
  void offer(Object header, Object value);

  /**
   * The next call's header, or null if no call has been published yet (a producer may have
   * claimed a place and not yet stored it; see {@link #isEmpty()}). Consumer only.
   */
  @Nullable Object pollHeader();

  /** The value of the call whose header was just polled; stored before the header, so no wait. */
  Object pollValue();

  /** Whether no call is claimed and unconsumed; a volatile read of both ends. Any thread. */
  boolean isEmpty();

  /** An estimate of the queued calls, claimed ones included. Any thread. */
  int size();
}
