package dev.tether;

import static java.util.Objects.requireNonNull;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * The {@link LaneQueue} of every serial lane: an unbounded MPSC queue of linked array chunks
 * whose producers claim their places with one {@code getAndAdd} (XADD) of the producer index,
 * two places per call, so a call's header and value are adjacent and never split by another
 * producer, and no per-call object is allocated. Retired chunks are recycled, so a steady lane
 * allocates nothing.
 *
 * <p>Instances are thread-safe for many producers and one consumer at a time: {@link #offer},
 * {@link #isEmpty()} and {@link #size()} from any thread; {@link #pollHeader()} and
 * {@link #pollValue()} only from the lane's current drainer, which changes hands through the
 * lane's claim word (a volatile write then a CAS), which orders one drainer's accesses before
 * the next one's.
 *
 * <p>Memory consistency effects: actions of a thread prior to its {@code offer} happen-before
 * the poll that returns the call's header, and so before the value's poll.
 *
 * <p>Blocking: {@code offer} never waits for the consumer; it waits only for another producer
 * that is linking the next chunk at that moment (a few stores; the producer that needs a chunk
 * first links it). The polls never wait: {@code pollHeader} returns null for a place that is
 * claimed and not yet stored.
 */
/*
 * Implementation notes
 *
 * The design is that of JCTools' MpscUnboundedXaddArrayQueue (Francesco Nigro), written here
 * over VarHandles so that core needs neither sun.misc.Unsafe (deprecated for removal, JEP 471;
 * it warns from JDK 24 on, JEP 498) nor JCTools, and with a call as the unit: two places
 * claimed by one getAndAdd(2). CHUNK_ELEMENTS is even and every claim starts at an even index, so
 * a call never straddles two chunks.
 *
 * Indices. producerIndex is the next free place, advanced only by getAndAdd(2). consumerIndex is
 * the next place to consume, written only by the drainer, and advanced by 2 after a call's value
 * is taken, so producerIndex - consumerIndex is twice the number of calls claimed and not
 * consumed, and isEmpty() (a volatile read of both) is false while a claimed place is unstored:
 * the lane's release-and-re-check relies on that ([LaneDekker], SerialLane; the "hole" limit in
 * docs/guarantees.md). Index i lives in chunk i >>> CHUNK_SHIFT at offset i & CHUNK_MASK.
 *
 * Chunks. Each chunk has an index (its number, NOT_USED while pooled), prev (the chunk before it;
 * producers walk back along it) and next (the chunk after it; the consumer walks forward along
 * it). producerChunk is the newest chunk, producerChunkIndex its index, or ROTATION while one
 * producer, the appender, links new chunks: the CAS producerChunkIndex: i -> ROTATION, which
 * succeeds only while chunk i is the newest, elects it. The appender sets a new chunk's prev,
 * then its index (volatile), then producerChunk, then the old newest chunk's next, and finally
 * producerChunkIndex. So a producer that reads a chunk's index also sees its prev, and the
 * consumer that reads next sees a chunk whose index and prev are set.
 *
 * Finding a chunk (producer). A producer that claimed index p needs chunk k = p >>> CHUNK_SHIFT.
 * It reads producerChunk, then that chunk's index c. If c >= k, it walks back c - k prev links.
 * Every chunk on the way has an index greater than k, and the consumer cannot retire chunk k or a
 * later one before this producer stores its call (it would have to consume it), so none of them
 * is retired and recycled during the walk, and their prev links are intact (the consumer nulls
 * only the prev of the chunk it moves to, whose index is at most k). If c < k, chunk k does not
 * exist yet: the producer tries to become the appender from c (which fails if c is not the
 * newest any more, or is already being appended to) and otherwise re-reads producerChunk. If the
 * chunk it read was retired meanwhile (NOT_USED, or recycled under a new index), the same checks
 * apply: a recycled chunk's index and prev are a valid position in the current chain, and a
 * retired chunk's old index is below the consumer's chunk, so below k, and no longer the newest.
 *
 * Moving on (consumer). The consumer keeps its chunk and that chunk's index. When consumerIndex
 * enters the next chunk, it reads its chunk's next: null means the appender has not linked it
 * yet, so the call is claimed but not stored, and pollHeader returns null like any unstored
 * place. Otherwise it retires the old chunk (next := null and index := NOT_USED, so that it keeps
 * nothing reachable and no producer mistakes it for a live chunk) and offers it to the pool, and
 * nulls the new chunk's prev.
 *
 * The pool holds at most POOLED_CHUNKS retired chunks, in slots taken by getAndSet and filled by
 * compareAndSet, so it is correct for any number of threads (here, the drainer fills and the
 * appender takes). A chunk is allocated only when the pool is empty; one that does not fit is left
 * to the collector. A lane that never fills its first chunk thus holds one chunk, and a steady
 * lane alternates two and allocates nothing. The drainer nulls each place as it consumes it, with
 * plain stores: the pool's CAS, the appender's getAndSet and the chunk's volatile index order them
 * before any producer's store into the recycled chunk.
 *
 * [ValueFirst] A producer stores the value first (plain) and then the header (release); the
 * consumer reads the header with acquire, so a visible header implies a visible value and
 * pollValue never waits.
 *
 * Failure while appending. If allocating a chunk throws (an OutOfMemoryError), the appender
 * releases producerChunkIndex at the last chunk it did link, so other producers are not left
 * spinning on ROTATION; its own claimed places stay a hole (the documented limit).
 *
 * Padding. producerIndex is written by every offer, producerChunk read by every offer and written
 * once per chunk, and the consumer's fields by the drainer: each group has 128 bytes (two cache
 * lines, fetched in pairs) on each side, as the lane's claim word (LanePadding; PaddedLayoutTest).
 */
final class XaddLaneQueue extends XaddLaneQueueConsumerPad implements LaneQueue {
  /** Places per chunk: 256 calls. A power of two, and even, so a call never straddles chunks. */
  static final int CHUNK_ELEMENTS = 512;

  private static final int CHUNK_SHIFT = Integer.numberOfTrailingZeros(CHUNK_ELEMENTS);
  private static final int CHUNK_MASK = CHUNK_ELEMENTS - 1;

  /** Retired chunks kept for reuse. */
  static final int POOLED_CHUNKS = 2;

  /** producerChunkIndex while the appender links chunks; not a chunk index, nor NOT_USED. */
  private static final long ROTATION = -2;

  private static final int SPINS_BEFORE_YIELD = 64;

  private static final VarHandle PRODUCER_INDEX;
  private static final VarHandle CONSUMER_INDEX;
  private static final VarHandle PRODUCER_CHUNK_INDEX;
  private static final VarHandle ELEMENT = MethodHandles.arrayElementVarHandle(Object[].class);
  private static final VarHandle POOL_SLOT = MethodHandles.arrayElementVarHandle(Chunk[].class);

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      PRODUCER_INDEX =
          lookup.findVarHandle(XaddLaneQueueProducerIndex.class, "producerIndex", long.class);
      PRODUCER_CHUNK_INDEX =
          lookup.findVarHandle(XaddLaneQueueProducerChunk.class, "producerChunkIndex", long.class);
      CONSUMER_INDEX =
          lookup.findVarHandle(XaddLaneQueueConsumer.class, "consumerIndex", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Retired chunks for reuse; null slots are free. */
  private final Chunk[] pool = new Chunk[POOLED_CHUNKS];

  XaddLaneQueue() {
    Chunk first = new Chunk(0, null);
    producerChunk = first;
    producerChunkIndex = 0;
    consumerChunk = first;
    consumerChunkIndex = 0;
  }

  @Override
  public void offer(Object header, Object value) {
    long index = (long) PRODUCER_INDEX.getAndAdd(this, 2L); // [LaneDekker], SerialLane
    long chunkIndex = index >>> CHUNK_SHIFT;
    Chunk chunk = producerChunk;
    if (chunk.index != chunkIndex) {
      chunk = producerChunkFor(chunk, chunkIndex);
    }
    int offset = (int) index & CHUNK_MASK;
    ELEMENT.set(chunk.elements, offset + 1, value); // [ValueFirst]
    ELEMENT.setRelease(chunk.elements, offset, header);
  }

  /** The chunk numbered {@code required}, linking it (and any before it) if it is not yet. */
  @SuppressWarnings("ThreadPriorityCheck") // yield is the backoff after spinning, not a priority
  private Chunk producerChunkFor(Chunk start, long required) {
    @Nullable Chunk chunk = start;
    int spins = 0;
    for (; ; ) {
      if (chunk == null) {
        chunk = producerChunk;
      }
      long current = chunk.index;
      long back = current - required;
      if (current != NOT_USED && back >= 0) {
        for (long i = 0; i < back; i++) {
          // Not null: chunks newer than `required` are not retired before this producer stores.
          chunk = requireNonNull(chunk.prev);
        }
        assert chunk.index == required;
        return chunk;
      }
      if (current != NOT_USED
          && producerChunkIndex == current
          && PRODUCER_CHUNK_INDEX.compareAndSet(this, current, ROTATION)) {
        return append(chunk, current, required);
      }
      // Another producer is appending, or `chunk` was stale: re-read the newest chunk.
      chunk = null;
      if (++spins < SPINS_BEFORE_YIELD) {
        Thread.onSpinWait();
      } else {
        Thread.yield(); // the appender may have been descheduled
      }
    }
  }

  /** The appender, holding ROTATION: links chunks {@code newest.index + 1 .. last}. */
  private Chunk append(Chunk newest, long newestIndex, long last) {
    Chunk chunk = newest;
    long linked = newestIndex;
    try {
      while (linked < last) {
        Chunk next = takePooled();
        if (next == null) {
          next = new Chunk(linked + 1, chunk);
        } else {
          next.prev = chunk;
          next.index = linked + 1; // volatile: publishes prev to producers that read the index
        }
        producerChunk = next;
        chunk.next = next; // last: the consumer moves on only to a chunk that is ready
        chunk = next;
        linked++;
      }
      return chunk;
    } finally {
      // Also when the allocation above failed: other producers must not spin on ROTATION.
      PRODUCER_CHUNK_INDEX.setVolatile(this, linked);
    }
  }

  private @Nullable Chunk takePooled() {
    for (int i = 0; i < POOLED_CHUNKS; i++) {
      Chunk chunk = (Chunk) POOL_SLOT.getAndSet(pool, i, (Chunk) null);
      if (chunk != null) {
        return chunk;
      }
    }
    return null;
  }

  private void offerPooled(Chunk chunk) {
    for (int i = 0; i < POOLED_CHUNKS; i++) {
      if (POOL_SLOT.compareAndSet(pool, i, (Chunk) null, chunk)) {
        return;
      }
    }
    // Pool full (a backlog spanned several chunks): this one is left to the collector.
  }

  @Override
  public @Nullable Object pollHeader() {
    long index = consumerIndex; // the drainer's own field: a plain read
    long chunkIndex = index >>> CHUNK_SHIFT;
    Chunk chunk = consumerChunk;
    if (chunkIndex != consumerChunkIndex) {
      Chunk next = chunk.next;
      if (next == null) {
        return null; // claimed, and the appender has not linked the chunk yet: a hole for now
      }
      chunk.next = null;
      chunk.index = NOT_USED;
      next.prev = null;
      offerPooled(chunk);
      consumerChunk = next;
      consumerChunkIndex = chunkIndex;
      chunk = next;
    }
    int offset = (int) index & CHUNK_MASK;
    Object header = ELEMENT.getAcquire(chunk.elements, offset); // [ValueFirst]
    if (header != null) {
      ELEMENT.set(chunk.elements, offset, null);
    }
    return header;
  }

  @Override
  public Object pollValue() {
    long index = consumerIndex;
    Object[] elements = consumerChunk.elements;
    int offset = ((int) index & CHUNK_MASK) + 1;
    // Stored before the header that pollHeader read with acquire: visible, never null.
    Object value = ELEMENT.get(elements, offset);
    assert value != null : "pollValue without a polled header";
    ELEMENT.set(elements, offset, null);
    CONSUMER_INDEX.setRelease(this, index + 2);
    return value;
  }

  @Override
  public boolean isEmpty() {
    // Consumer first: the producer index read after it is at least as large. [LaneDekker]
    long consumed = (long) CONSUMER_INDEX.getVolatile(this);
    return (long) PRODUCER_INDEX.getVolatile(this) == consumed;
  }

  @Override
  public int size() {
    long consumed = (long) CONSUMER_INDEX.getVolatile(this);
    long calls = ((long) PRODUCER_INDEX.getVolatile(this) - consumed) / 2;
    return (int) Math.min(Integer.MAX_VALUE, Math.max(0, calls));
  }

  /** Chunk index of a pooled chunk. */
  static final long NOT_USED = -1;

  /** A chunk of {@link #CHUNK_ELEMENTS} places; see the notes for who writes what. */
  static final class Chunk {
    final Object[] elements = new Object[CHUNK_ELEMENTS];

    /** This chunk's number, or NOT_USED while retired or pooled. */
    volatile long index;

    /** The chunk before this one, or null for the consumer's chunk and while pooled. */
    volatile @Nullable Chunk prev;

    /** The chunk after this one, or null until the appender links it, and while pooled. */
    volatile @Nullable Chunk next;

    Chunk(long index, @Nullable Chunk prev) {
      this.prev = prev;
      this.index = index;
    }
  }
}

/**
 * 128 bytes before the producer index. {@code headerGap} takes the 4 bytes after a 12-byte object
 * header, which HotSpot would otherwise give to the first subclass field that fits.
 */
abstract class XaddLaneQueuePad0 {
  int headerGap;
  long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
}

/** The producer index: written by every offer (getAndAdd). */
abstract class XaddLaneQueueProducerIndex extends XaddLaneQueuePad0 {
  volatile long producerIndex;
}

abstract class XaddLaneQueuePad1 extends XaddLaneQueueProducerIndex {
  long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;
}

/** The newest chunk and its index: read by every offer, written once per chunk. */
abstract class XaddLaneQueueProducerChunk extends XaddLaneQueuePad1 {
  @SuppressWarnings("NullAway.Init") // set by XaddLaneQueue's constructor
  volatile XaddLaneQueue.Chunk producerChunk;

  /** The newest chunk's index, or ROTATION while the appender links chunks. */
  volatile long producerChunkIndex;
}

abstract class XaddLaneQueuePad2 extends XaddLaneQueueProducerChunk {
  long r00, r01, r02, r03, r04, r05, r06, r07, r08, r09, r10, r11, r12, r13, r14, r15;
}

/** The consumer's fields: the drainer's own, handed between drainers by the lane's claim word. */
abstract class XaddLaneQueueConsumer extends XaddLaneQueuePad2 {
  /** Read by any thread (isEmpty, size) with getVolatile; written by the drainer, release. */
  long consumerIndex;

  @SuppressWarnings("NullAway.Init") // set by XaddLaneQueue's constructor
  XaddLaneQueue.Chunk consumerChunk;

  long consumerChunkIndex;
}

abstract class XaddLaneQueueConsumerPad extends XaddLaneQueueConsumer {
  long s00, s01, s02, s03, s04, s05, s06, s07, s08, s09, s10, s11, s12, s13, s14, s15;
}
