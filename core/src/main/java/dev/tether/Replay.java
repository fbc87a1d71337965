package dev.tether;

/**
 * What a {@link CallbackSlot} does with a value invoked while no callback is set.
 *
 * <p>Instances are immutable and thread-safe; one instance may configure any number of slots,
 * each of which keeps its own buffer.
 *
 * @since 0.1.0
 */
public final class Replay {
  private static final Replay NONE = new Replay(0);
  private static final Replay LATEST = new Replay(-1);

  /** 0: none; -1: latest; positive: buffered with that capacity. */
  private final int capacity;

  private Replay(int capacity) {
    this.capacity = capacity;
  }

  /**
   * Drops the value and counts it ({@link CallbackSlot#droppedCount()}); {@code invoke} returns
   * {@code false}. The default.
   */
  public static Replay none() {
    return NONE;
  }

  /**
   * Keeps the last such value, replacing (and counting as dropped) any older one, and delivers it
   * once to the next callback that is set, on the thread calling {@code set}; if an {@code invoke}
   * races that {@code set}, the value is delivered exactly once, possibly on the invoking thread.
   * This is libdatachannel's {@code synchronized_stored_callback}, meant for state events such as
   * open, closed and error that a late listener must still see.
   */
  public static Replay latest() {
    return LATEST;
  }

  /**
   * Keeps up to {@code capacity} such values in order, dropping (and counting) the oldest beyond
   * that, and delivers them in order to the next callback that is set.
   *
   * @throws IllegalArgumentException if {@code capacity} is less than 1
   */
  public static Replay buffered(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("replay capacity must be at least 1, was " + capacity);
    }
    return new Replay(capacity);
  }

  ReplayBuffer newBuffer() {
    if (capacity == 0) {
      return ReplayBuffer.dropping();
    }
    return capacity < 0 ? ReplayBuffer.latest() : ReplayBuffer.bounded(capacity);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Replay replay && replay.capacity == capacity;
  }

  @Override
  public int hashCode() {
    return capacity;
  }

  @Override
  public String toString() {
    return capacity == 0 ? "none" : capacity < 0 ? "latest" : "buffered(" + capacity + ")";
  }
}
