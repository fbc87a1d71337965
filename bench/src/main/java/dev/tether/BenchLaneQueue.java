package dev.tether;

/**
 * Core's lane queue ({@link XaddLaneQueue}, package-private) for {@code LaneQueueBenchmark}: a
 * public wrapper in the package {@code dev.tether} of the bench jar, which runs on the class path,
 * where core's package is not sealed. Not part of Tether's API. <b>Note:</b> not thread-safe
 * beyond the queue's own contract: many producers, one consumer at a time.
 */
public final class BenchLaneQueue {
  private final XaddLaneQueue queue = new XaddLaneQueue();

  /** See {@link LaneQueue#offer}. */
  public void offer(Object header, Object value) {
    queue.offer(header, value);
  }

  /** See {@link LaneQueue#pollHeader}: null if no call is stored yet. */
  public Object pollHeader() {
    return queue.pollHeader();
  }

  /** See {@link LaneQueue#pollValue}. */
  public Object pollValue() {
    return queue.pollValue();
  }

  /** See {@link LaneQueue#isEmpty}. */
  public boolean isEmpty() {
    return queue.isEmpty();
  }
}
