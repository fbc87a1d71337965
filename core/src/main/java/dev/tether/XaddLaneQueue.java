package dev.tether;

import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpscUnboundedXaddArrayQueue;
import org.jspecify.annotations.Nullable;

/**
 * {@link LaneQueue} over JCTools' {@link MpscUnboundedXaddArrayQueue}. A call is two elements
 * claimed with one {@code fill(supplier, 2)}: that queue's fill takes {@code limit} consecutive
 * indices with a single getAndAdd, so the pair is never split by another producer, and no
 * per-call object is allocated (the supplier is a reused per-thread object). The other JCTools
 * MPSC queues claim by CAS and fall back to one element on a resize, so a pair there needs a
 * holder object per call (measured in {@code bench/LaneQueueBenchmark}).
 */
final class XaddLaneQueue implements LaneQueue {
  /** Elements per chunk: 256 calls. Chunks are pooled, so a steady lane allocates nothing. */
  private static final int CHUNK_ELEMENTS = 512;
  private static final int POOLED_CHUNKS = 2;
  private static final int SPINS_BEFORE_YIELD = 64;

  private static final ThreadLocal<PairSupplier> PAIRS = ThreadLocal.withInitial(PairSupplier::new);

  private final MpscUnboundedXaddArrayQueue<Object> queue =
      new MpscUnboundedXaddArrayQueue<>(CHUNK_ELEMENTS, POOLED_CHUNKS);

  @Override
  public void offer(Object header, Object value) {
    PairSupplier pair = PAIRS.get();
    pair.first = header;
    pair.second = value;
    pair.taken = 0;
    queue.fill(pair, 2);
    pair.first = null; // do not keep the caller's objects reachable from its thread
    pair.second = null;
  }

  @Override
  public @Nullable Object pollHeader() {
    // relaxedPoll, not poll: poll spins when a producer has claimed the next index but not yet
    // stored it; the lane instead releases its claim and re-checks isEmpty().
    return queue.relaxedPoll();
  }

  @Override
  public Object pollValue() {
    // The pair's second index was claimed with the first, so its store is at most a few
    // instructions away, unless the producer was descheduled in between: then yield to it.
    Object value;
    int spins = 0;
    while ((value = queue.relaxedPoll()) == null) {
      if (++spins < SPINS_BEFORE_YIELD) {
        Thread.onSpinWait();
      } else {
        Thread.yield();
      }
    }
    return value;
  }

  @Override
  public boolean isEmpty() {
    return queue.isEmpty();
  }

  @Override
  public int size() {
    return (queue.size() + 1) / 2;
  }

  /** Supplies a call's two elements to {@code fill}; one per producer thread, owner only. */
  private static final class PairSupplier implements MessagePassingQueue.Supplier<Object> {
    @Nullable Object first;
    @Nullable Object second;
    int taken;

    @Override
    public Object get() {
      Object next = taken++ == 0 ? first : second;
      assert next != null;
      return next;
    }
  }
}
