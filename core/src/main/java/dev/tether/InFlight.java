package dev.tether;

import dev.tether.internal.Quiescible;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * Thread-safe: any thread may look up its record and scan the marks; a record's marks are
 * written only by its thread. The in-flight marks of one {@link CallbackSlot}: which threads are
 * running which of its registrations now, and the per-thread records that hold those marks.
 */
/*
 * Implementation notes
 *
 * Two kinds of record. The first INLINE_RECORDS threads to invoke a slot each claim a padded
 * record of their own (Padded) and keep it while they live: the fast path, a few compares to find
 * it and one volatile store per call. Every further thread gets a Guest record per outermost call
 * instead: the guest exists only while that invoke runs, and sits in the overflow table only
 * while it carries a mark, so nothing of such a thread outlives its call. Memory is then
 * O(concurrent calls), never O(threads ever seen), and a slot keeps at most INLINE_RECORDS ended
 * threads reachable (the owners of inline records; an overflow invoke, with probability 1 in
 * RECLAIM_ROLL_MASK + 1, looks for an inline owner that has ended and takes its record over:
 * claimInline). A guest costs one allocation per outermost invoke (120 bytes with compressed
 * oops: it inherits the 64 bytes of padding before the record fields).
 *
 * The inline array. `inline` interleaves {owner thread, its record} for INLINE_RECORDS entries.
 * Lookup reads only this array, never a record, whose line its owner writes on every call. An
 * owner entry goes null -> thread, or dead thread -> thread, by CAS (exclusive: the dead thread
 * runs nothing), and the record entry is then stored with a volatile store before the new owner
 * marks anything. A thread reads its own owner entry plainly: only it can have written itself
 * there, and no other thread replaces a live owner.
 *
 * The overflow table. A Table is an array of cells in buckets of BUCKET cells; a thread's bucket
 * is fixed by a hash of its id, per level. A guest enters a free cell of its bucket by CAS; if
 * the bucket is full it goes to the next level (created on demand, twice as many buckets, linked
 * by CAS of `next`). A cell holds a guest exactly while the guest carries a mark (INV-CELL):
 * the guest is inserted by its outermost mark and removed by the clear of that mark, and nested
 * marks are only ever pushed inside an outermost one. Hence "this thread is inside this slot's
 * callback" is "its guest is in its bucket at some level": a lookup scans one bucket per level.
 * Levels are never removed, so the table's size tracks the most calls ever concurrent on the
 * overflow path, not the number of threads, and a lookup costs O(levels) = O(log of that peak):
 * one level up to about a hundred concurrent overflow calls, each doubling of the peak beyond
 * that one more bucket of 8 cells to read.
 *
 * [Dekker] The pairing every mark relies on, between an invoker's mark and a remover's swap of
 * `current` followed by a scan. Invoker: make the mark visible with a volatile write (a Padded
 * record's volatile store of `active`; a guest's CAS into its cell, whose fields were written
 * before it and are published by it; a nested mark's volatile store of `nestedDepth`), then
 * re-read `current`. Remover: CAS `current`, then read every inline record entry and every cell
 * with volatile reads. In the synchronization order either the mark's write precedes the swap,
 * and the remover's later read sees the mark (or a later write: the clear, which happens after
 * the call's actions), or the swap precedes the invoker's re-read, which then sees the removal
 * and clears the mark without calling. Everything on the path from the slot to a mark (the
 * slot's `inFlight` link, an inline record entry, `overflow`, a table's `next`) is written once,
 * with a volatile write, before its thread's first mark through it, so a scan ordered after the
 * mark reads it too.
 *
 * [Wake] A remover that finds a mark sets the record's wakeRequested; the owner clears its mark
 * with release stores and then reads the flag (clear returns it). No fence orders the two, so a
 * wakeup can be lost in that window; it costs the waiter one timed park (WaitForGraph).
 *
 * Reentrancy. A record with a mark belongs to a thread inside this slot's callback: an inline
 * record's `active`, or a guest found in the table (INV-CELL). A thread claims an inline record
 * only when it has no guest in the table, so its marks are never split across both kinds. DEFER
 * keeps the deferred values in the record the outermost invoke holds, which for a guest is the
 * guest that invoke created: the values survive the guest's removal from the table between the
 * calls of the drain.
 */
final class InFlight {
  /** Threads per slot with a padded record of their own. */
  static final int INLINE_RECORDS = 4;

  /** Cells per bucket of the overflow table: 32 bytes of compressed references. */
  static final int BUCKET = 8;

  /** Buckets of the first overflow table. */
  static final int FIRST_BUCKETS = 16;

  /** An overflow invoke looks for a dead inline owner with probability 1 in (mask + 1). */
  static final int RECLAIM_ROLL_MASK = 63;

  /** The depth that names the outermost mark ({@code active}) rather than a nested one. */
  static final int OUTERMOST = -1;

  private static final VarHandle ENTRY = MethodHandles.arrayElementVarHandle(Object[].class);
  private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(ThreadRecord[].class);
  private static final VarHandle NESTED_MARK =
      MethodHandles.arrayElementVarHandle(Registration[].class);
  private static final VarHandle OVERFLOW;
  private static final VarHandle NEXT;
  private static final VarHandle ACTIVE;
  private static final VarHandle NESTED_DEPTH;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      OVERFLOW = lookup.findVarHandle(InFlight.class, "overflow", Table.class);
      NEXT = lookup.findVarHandle(Table.class, "next", Table.class);
      ACTIVE = lookup.findVarHandle(RecordFields.class, "active", Registration.class);
      NESTED_DEPTH = lookup.findVarHandle(RecordFields.class, "nestedDepth", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** {owner, record, owner, record, ...}: see the notes. */
  private final Object[] inline = new Object[2 * INLINE_RECORDS];

  /** The overflow table's first level, created by the first guest's mark. */
  private volatile @Nullable Table overflow;

  /**
   * A wait for {@code removed} as the waiting machinery sees it: its blockers are the threads
   * whose records carry a mark of one of them. Made only on a remover's slow path.
   *
   * @param slotName names the slot in reports
   * @param slot the slot, the wait's identity
   */
  Quiescible waitTarget(List<Registration<?>> removed, String slotName, Object slot) {
    return new Quiescible() {
      @Override
      public void collectBlockers(
          @Nullable Thread excluded, Collection<Thread> out, boolean requestWake) {
        InFlight.this.collectBlockers(removed, excluded, out, requestWake);
      }

      @Override
      public boolean waitsForCallbacks() {
        return true;
      }

      @Override
      public String describe() {
        return "slot '" + slotName + "'";
      }

      @Override
      public String targetName() {
        return slotName;
      }

      @Override
      public Object identity() {
        return slot;
      }
    };
  }

  // ---- lookup ----

  /**
   * The calling thread's record: its inline record (claimed now if one is free), else its guest
   * in the overflow table if it is inside this slot's callback, else a new guest that is in no
   * table yet. A record with a mark means the thread is inside this slot's callback.
   */
  ThreadRecord recordFor(Thread thread) {
    Object[] entries = inline;
    boolean free = false;
    for (int i = 0; i < entries.length; i += 2) {
      Object owner = entries[i];
      if (owner == thread) {
        return (ThreadRecord) entries[i + 1];
      }
      free |= owner == null;
    }
    return recordOutsideInline(thread, free);
  }

  private ThreadRecord recordOutsideInline(Thread thread, boolean free) {
    int hash = hash(thread);
    for (Table table = overflow; table != null; table = table.next) {
      ThreadRecord live = table.find(thread, hash);
      if (live != null) {
        return live; // inside this slot's callback (INV-CELL)
      }
    }
    if (free || (ThreadLocalRandom.current().nextInt() & RECLAIM_ROLL_MASK) == 0) {
      ThreadRecord claimed = claimInline(thread);
      if (claimed != null) {
        return claimed;
      }
    }
    return new Guest(this, thread, hash);
  }

  /** Claims a free inline entry, or one whose owner has ended; null if there is none. */
  private @Nullable ThreadRecord claimInline(Thread thread) {
    Object[] entries = inline;
    for (int i = 0; i < entries.length; i += 2) {
      Object owner = ENTRY.getVolatile(entries, i);
      boolean claimable =
          owner == null
              || (!((Thread) owner).isAlive()
                  && !isMarked((ThreadRecord) ENTRY.getVolatile(entries, i + 1)));
      if (claimable && ENTRY.compareAndSet(entries, i, owner, thread)) {
        ThreadRecord record = new Padded(thread);
        ENTRY.setVolatile(entries, i + 1, record); // before its first mark: see [Dekker]
        return record;
      }
    }
    return null;
  }

  /**
   * Tests only: claims a free inline record for {@code thread}, as its first invoke would, so that
   * a test can make another thread take the overflow path. Returns whether one was free.
   */
  boolean claimInlineForTesting(Thread thread) {
    return claimInline(thread) != null;
  }

  @SuppressWarnings("deprecation") // Thread.getId: threadId() is Java 19+
  private static int hash(Thread thread) {
    return (int) ((thread.getId() * 0x9E3779B97F4A7C15L) >>> 32);
  }

  private static boolean isMarked(@Nullable ThreadRecord record) {
    return record != null && record.isMarked();
  }

  // ---- marks: the invoker's side of [Dekker] ----

  /**
   * Marks {@code registration} as running on {@code self}'s thread: the outermost mark when
   * {@code depth} is {@link #OUTERMOST}, else the nested mark at {@code depth} (the record's
   * current {@code nestedDepth}). A volatile write: the caller re-reads {@code current} next.
   */
  static void mark(ThreadRecord self, Registration<?> registration, int depth) {
    if (depth != OUTERMOST) {
      self.pushNested(depth, registration);
    } else if (self instanceof Guest guest) {
      guest.insert(registration);
    } else {
      ACTIVE.setVolatile(self, registration);
    }
  }

  /**
   * Clears the mark {@link #mark} made at {@code depth}, with release stores (after the call:
   * its actions happen-before a remover that sees the mark gone).
   *
   * @return whether a remover asked to be woken; the flag is reset
   */
  static boolean clear(ThreadRecord self, int depth) {
    if (depth != OUTERMOST) {
      self.popNested(depth);
    } else if (self instanceof Guest guest) {
      guest.remove();
    } else {
      ACTIVE.setRelease(self, null);
    }
    if (self.wakeRequested) { // [Wake]: read after the release stores of the clear
      self.wakeRequested = false;
      return true;
    }
    return false;
  }

  // ---- the remover's side of [Dekker] ----

  /**
   * The registrations other than {@code installed} marked by threads other than
   * {@code excluded}, or null if none. Called after a removal's swap.
   */
  @Nullable List<Registration<?>> marksOtherThan(
      @Nullable Registration<?> installed, @Nullable Thread excluded) {
    List<Registration<?>> running = null;
    Object[] entries = inline;
    for (int i = 1; i < entries.length; i += 2) {
      ThreadRecord record = (ThreadRecord) ENTRY.getVolatile(entries, i);
      if (record != null && record.thread != excluded) {
        running = record.addMarksOtherThan(installed, running);
      }
    }
    for (Table table = overflow; table != null; table = table.next) {
      ThreadRecord[] cells = table.cells;
      for (int i = 0; i < cells.length; i++) {
        ThreadRecord guest = (ThreadRecord) CELL.getVolatile(cells, i);
        if (guest != null && guest.thread != excluded) {
          running = guest.addMarksOtherThan(installed, running);
        }
      }
    }
    return running;
  }

  /** Adds to {@code out} the threads other than {@code excluded} running one of {@code removed}. */
  void collectBlockers(
      List<Registration<?>> removed,
      @Nullable Thread excluded,
      Collection<Thread> out,
      boolean requestWake) {
    Object[] entries = inline;
    for (int i = 1; i < entries.length; i += 2) {
      collectBlocker(
          (ThreadRecord) ENTRY.getVolatile(entries, i), removed, excluded, out, requestWake);
    }
    for (Table table = overflow; table != null; table = table.next) {
      ThreadRecord[] cells = table.cells;
      for (int i = 0; i < cells.length; i++) {
        collectBlocker(
            (ThreadRecord) CELL.getVolatile(cells, i), removed, excluded, out, requestWake);
      }
    }
  }

  private static void collectBlocker(
      @Nullable ThreadRecord record,
      List<Registration<?>> removed,
      @Nullable Thread excluded,
      Collection<Thread> out,
      boolean requestWake) {
    if (record != null && record.thread != excluded && record.runsAnyOf(removed)) {
      if (requestWake) {
        record.wakeRequested = true;
      }
      out.add(record.thread);
    }
  }

  // ---- overflow table ----

  private Table firstTable() {
    Table table = overflow;
    if (table == null) {
      Table created = new Table(FIRST_BUCKETS);
      table = (Table) OVERFLOW.compareAndExchange(this, null, created);
      if (table == null) {
        table = created;
      }
    }
    return table;
  }

  /** One level of the overflow table. */
  static final class Table {
    final ThreadRecord[] cells;

    /** The next level, twice as many buckets; created when a bucket here is full. */
    volatile @Nullable Table next;

    private final int level;

    Table(int buckets) {
      this(buckets, 0);
    }

    private Table(int buckets, int level) {
      this.cells = new ThreadRecord[buckets * BUCKET];
      this.level = level;
    }

    /** Index of the first cell of {@code hash}'s bucket on this level. */
    int bucketStart(int hash) {
      int buckets = cells.length / BUCKET;
      return (Integer.rotateLeft(hash, 11 * level) & (buckets - 1)) * BUCKET;
    }

    /** The guest of {@code thread} in its bucket here, or null. Plain reads: see recordFor. */
    @Nullable ThreadRecord find(Thread thread, int hash) {
      ThreadRecord[] all = cells;
      int start = bucketStart(hash);
      for (int i = start; i < start + BUCKET; i++) {
        ThreadRecord guest = all[i];
        if (guest != null && guest.thread == thread) {
          return guest;
        }
      }
      return null;
    }

    Table nextLevel() {
      Table following = next;
      if (following == null) {
        Table created = new Table(cells.length / BUCKET * 2, level + 1);
        following = (Table) NEXT.compareAndExchange(this, null, created);
        if (following == null) {
          following = created;
        }
      }
      return following;
    }
  }

  // ---- records ----

  /**
   * Takes the 4 bytes after a 12-byte object header, which HotSpot (JDK 15+) would otherwise give
   * to a subclass field that fits (it did: {@code nestedDepth}); PaddedLayoutTest checks.
   */
  @SuppressWarnings("unused")
  abstract static class RecordPaddingBefore {
    int headerGap;
    long p00, p01, p02, p03, p04, p05, p06, p07;
  }

  /**
   * The fields of a record, after 64 bytes of padding; {@link Padded} adds 64 after. The owner
   * writes {@code active} on every call: without the pads a garbage collector that copies two
   * threads' records next to each other, or next to the slot, makes every call of one thread
   * evict the other's line (docs/design-notes.md).
   */
  abstract static class RecordFields extends RecordPaddingBefore {
    final Thread thread;

    /** The outermost call's registration, or null. Volatile store in, release store out. */
    volatile @Nullable Registration<?> active;

    /** ALLOW nesting: marks of nested calls; slots [0, nestedDepth) are valid. */
    @Nullable Registration<?>[] nested = ThreadRecord.NO_MARKS;

    volatile int nestedDepth;

    /** Set by a remover that waits for this record; cleared by the owner when it wakes waiters. */
    volatile boolean wakeRequested;

    /** DEFER: values invoked reentrantly, owner only. */
    @Nullable ArrayDeque<Object> deferred;

    RecordFields(Thread thread) {
      this.thread = thread;
    }
  }

  /**
   * A thread's in-flight marks on one slot. Written only by its thread; read by removers. Legal
   * states of {@code active}: null (not inside the slot's callback), or the registration of the
   * outermost call in progress.
   */
  abstract static class ThreadRecord extends RecordFields {
    static final Object NULL_VALUE = new Object();
    static final @Nullable Registration<?>[] NO_MARKS = new Registration<?>[0];

    ThreadRecord(Thread thread) {
      super(thread);
    }

    /** Whether the thread is inside the slot's callback: it carries the outermost mark. */
    final boolean isInside() {
      return active != null;
    }

    final boolean isMarked() {
      return active != null || nestedDepth != 0;
    }

    /** Queues {@code value} to run after the current outermost call, as DEFER does. */
    final void defer(@Nullable Object value) {
      if (deferred == null) {
        deferred = new ArrayDeque<>();
      }
      deferred.addLast(value == null ? NULL_VALUE : value);
    }

    /** Adds to {@code to} (created if null) this thread's marks other than {@code installed}. */
    final @Nullable List<Registration<?>> addMarksOtherThan(
        @Nullable Registration<?> installed, @Nullable List<Registration<?>> to) {
      Registration<?> outer = active;
      if (outer != null && outer != installed) {
        to = add(to, outer);
      }
      int depth = nestedDepth; // volatile read: the pushes below depth happen-before it
      @Nullable Registration<?>[] marks = nested;
      for (int i = 0; i < depth && i < marks.length; i++) {
        Registration<?> mark = (Registration<?>) NESTED_MARK.getAcquire(marks, i);
        if (mark != null && mark != installed) {
          to = add(to, mark);
        }
      }
      return to;
    }

    /** Whether this thread is running one of {@code registrations} now. */
    final boolean runsAnyOf(List<Registration<?>> registrations) {
      Registration<?> outer = active;
      if (outer != null && containsIdentity(registrations, outer)) {
        return true;
      }
      int depth = nestedDepth;
      @Nullable Registration<?>[] marks = nested;
      for (int i = 0; i < depth && i < marks.length; i++) {
        Registration<?> mark = (Registration<?>) NESTED_MARK.getAcquire(marks, i);
        if (mark != null && containsIdentity(registrations, mark)) {
          return true;
        }
      }
      return false;
    }

    private static List<Registration<?>> add(
        @Nullable List<Registration<?>> to, Registration<?> registration) {
      List<Registration<?>> list = to == null ? new ArrayList<>(2) : to;
      if (!containsIdentity(list, registration)) {
        list.add(registration);
      }
      return list;
    }

    private static boolean containsIdentity(List<Registration<?>> list, Object element) {
      for (Object candidate : list) {
        if (candidate == element) {
          return true;
        }
      }
      return false;
    }

    final void pushNested(int depth, Registration<?> registration) {
      if (depth == nested.length) {
        nested = Arrays.copyOf(nested, Math.max(4, depth * 2));
      }
      NESTED_MARK.setRelease(nested, depth, registration);
      NESTED_DEPTH.setVolatile(this, depth + 1); // the mark: see [Dekker]
    }

    final void popNested(int depth) {
      NESTED_MARK.setRelease(nested, depth, null); // after the call: orders its writes before
      NESTED_DEPTH.setRelease(this, depth);
    }
  }

  /** An inline record: padded, owned by one thread for as long as it lives. */
  @SuppressWarnings("unused")
  static final class Padded extends ThreadRecord {
    long p10, p11, p12, p13, p14, p15, p16, p17;

    Padded(Thread thread) {
      super(thread);
    }
  }

  /**
   * An overflow record: made by one outermost invoke (or drain) of a thread without an inline
   * record, in a cell of the overflow table exactly while it carries its outermost mark
   * (INV-CELL). Unpadded after its fields: it is short-lived, and its cell, not its fields,
   * is what other threads read on their hot path.
   */
  static final class Guest extends ThreadRecord {
    private final InFlight owner;
    private final int hash;

    /** Owner only: the table and cell this guest is in while marked, else null and -1. */
    private @Nullable Table table;

    private int cell = -1;

    Guest(InFlight owner, Thread thread, int hash) {
      super(thread);
      this.owner = owner;
      this.hash = hash;
    }

    /**
     * The outermost mark: {@code active} written with a release store (no fence: a remover finds
     * this guest only through a cell, and a remover still holding it from an earlier insertion
     * sees the old or the new registration, both marks it may wait for), then published by the
     * CAS into a cell, the volatile write of [Dekker].
     */
    void insert(Registration<?> registration) {
      ACTIVE.setRelease(this, registration);
      for (Table level = owner.firstTable(); ; level = level.nextLevel()) {
        ThreadRecord[] cells = level.cells;
        int start = level.bucketStart(hash);
        int offset = hash >>> 29; // spread the claims of one bucket over its cells
        for (int k = 0; k < BUCKET; k++) {
          int i = start + ((offset + k) & (BUCKET - 1));
          if (cells[i] == null && CELL.compareAndSet(cells, i, null, this)) {
            table = level;
            cell = i;
            return;
          }
        }
      }
    }

    /** Clears the outermost mark and leaves the table (release stores, after the call). */
    void remove() {
      ACTIVE.setRelease(this, null);
      Table level = table;
      if (level != null) {
        CELL.setRelease(level.cells, cell, null);
        table = null;
        cell = -1;
      }
    }
  }
}
