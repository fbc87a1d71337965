package dev.tether;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * How the callbacks of a {@link CallbackSlot} are run: on the invoking thread ({@link #inline()}),
 * or one at a time, in order, on a serial lane ({@link #serial()}, {@link #serialOn(Executor)}).
 * A serial {@code Delivery} is the lane itself: every slot built with the same instance, and every
 * slot of a {@link Lifecycle} subtree given it, shares one lane, so all callbacks of one
 * connection run one at a time, in event order, across slots.
 *
 * <p>Instances are thread-safe: every method may be called from any thread, including from
 * inside a callback.
 *
 * <p>Memory consistency effects: on a serial lane, actions of a thread prior to an
 * {@code invoke} happen-before the call it queues, and the actions of each call happen-before
 * the next call run by the lane, whatever thread runs it.
 *
 * <p>Ordering: calls on one serial lane never overlap, and they run in the order in which their
 * {@code invoke} calls queued them; so if one {@code invoke} returns before another begins, its
 * call runs first. Calls queued by different threads at the same moment are ordered by the lane.
 *
 * <p>Blocking: {@code invoke} on a serial lane never waits for the lane. If the lane is idle, an
 * {@link #serial()} lane runs the queued calls on the invoking thread (that thread "wins the
 * drain" and runs every call queued meanwhile, by any thread, until the queue is empty); a
 * {@link #serialOn(Executor)} lane hands the drain to its executor and never runs a callback on
 * the invoking thread. If the lane is busy, {@code invoke} queues the call and returns at once.
 * A {@code serial()} drainer that ran calls queued by another thread polls for more before it
 * releases the lane, for at most 64 spin-wait hints ({@link Thread#onSpinWait()}) each time the
 * queue runs empty, so that two threads invoking at once hand the lane back and forth less
 * often: while another thread keeps invoking, the drainer keeps draining, and its
 * {@code invoke} returns that much later. A thread that invokes alone, including from inside
 * its own callbacks, does not poll, apart from once just after another thread stopped invoking.
 *
 * <p>Reentrancy: an {@code invoke} of any slot of a serial lane from inside a callback running on
 * that lane is queued behind the current call and runs after it returns, never nested, whatever
 * the slot's {@link Reentrancy} policy says. {@code reset()} and {@code close()} of a slot, or of
 * a {@link Lifecycle}, from inside a lane's callback do not wait for that callback (the rules of
 * {@link CallbackSlot#reset()}), so a connection can close itself from its own event.
 *
 * <p>Removal: a call queued for a callback that is removed ({@code reset}, {@code set},
 * {@code close}, or its weak owner collected) before the call starts is discarded, never run:
 * once {@code reset()} returns, no queued call of the removed callback will run, and a call the
 * lane is running at that moment is waited for like any in-flight call. Discarded calls are
 * counted in {@link #discardedCount()} when the lane reaches them.
 *
 * <p>Exceptions: a callback's exception goes to its slot's {@link CallbackErrorHandler} and the
 * lane goes on with the next call. If a {@link VirtualMachineError} escapes a callback, the lane
 * releases its drain and rethrows it as itself, also when a direct executor ran the drain inside
 * {@code invoke}; the calls still queued run on the next drain (the next {@code invoke}, or at
 * once on the executor of a {@code serialOn} lane). If the executor rejects the drain (its
 * {@code execute} throws before the drain started), the calls stay queued, and the
 * {@code invoke} that tried to start it throws {@link RejectedExecutionException}, or the
 * executor's {@code VirtualMachineError} as itself; the next {@code invoke} tries again.
 *
 * @since 0.1.0
 */
/*
 * Implementation notes
 *
 * The lane is a drain-by-one combining queue (as in Guava's SequentialExecutor and the
 * "flat-combining" mailbox of actor runtimes): producers enqueue into an MPSC queue (LaneQueue,
 * XaddLaneQueue; the queue is the lane's only shared write path), and at most one thread, the
 * drainer, polls and runs calls. `drainState` is IDLE or DRAINING; the producer that moves it
 * IDLE -> DRAINING by CAS drains (or hands the drain to the executor). The drainer releases with a
 * volatile store of IDLE, then re-reads the queue's emptiness; a producer enqueues (a volatile
 * getAndAdd of the queue's producer index) and then reads `drainState`. These four accesses form
 * a Dekker pair: either the producer sees IDLE and claims the drain itself, or the drainer's
 * re-read sees the producer's claimed index and re-claims. No call is left in an idle lane.
 * The drainer polls with relaxedPoll, which returns null for an index that is claimed but not yet
 * stored; the release-and-re-check loop then retries, so no path spins inside the queue.
 *
 * The idle fast path (serial() lanes only): an invoker that finds the lane IDLE claims it first
 * and, if the queue is then empty, runs its call without queueing it (no getAndAdd, no element
 * stores or polls; 1-producer throughput 31 -> 49 calls/us, docs/performance.md). It cannot
 * overtake a call whose invoke returned: that call's getAndAdd precedes its invoke's return, so it
 * precedes this claim CAS and the isEmpty() read after it in the synchronization order, and
 * isEmpty() sees it, unless a drainer already polled it, and a drainer runs what it polled before
 * it releases the claim this CAS took over. A claim made after the isEmpty() read is ordered after
 * this call, so "the order in which invokes queued their calls" holds with the read as this
 * call's queueing point. If the queue is not empty, the call is queued behind what is there and
 * drained as usual. LaneOrderStress's canary BrokenJumpWhenIdle (the fast path without the
 * isEmpty() read) shows that the harness sees a call overtaking one queued before it.
 *
 * A call is the pair (Registration, value), claimed together (XaddLaneQueue), so a steady lane
 * allocates nothing per call. The registration, not the slot, is the header: the drainer runs
 * the call only if that registration is still installed, with the same mark-then-re-check that
 * CallbackSlot.invoke uses (CallbackSlot.runQueued), so a removal that returned has either been
 * seen by the re-check (discarded) or waits for the mark (in flight). The drain in progress thus
 * is the in-flight call, and no new waiting machinery exists: reset from inside the lane's own
 * callback is the reentrant reset, and cycles through lanes are cycles of threads in WaitForGraph.
 *
 * Reentrancy needs no code: an invoke from inside a lane callback finds the lane DRAINING (by
 * this very thread) and only enqueues; the drain loop runs it after the current call.
 *
 * `drainState` lives in a padded object of its own (128 bytes each side, as cache lines are
 * fetched in adjacent pairs). Every invoke reads it and every drain session writes it twice, on
 * two cores at once when two threads invoke the lane. Unpadded, the 2-producer benchmark was
 * bimodal from one JVM to the next (5 of 12 forks at 5-7 calls/us, the rest at 10-20); padded,
 * no fork has run below 14.8 (docs/performance.md). So something the allocator placed next to
 * it shared its lines in some JVMs; which neighbour was not identified. An object of its own,
 * rather than padding superclasses of Delivery, keeps package-private classes out of the public
 * type's hierarchy, for one dependent load of a final field and 280 bytes per lane. The padding
 * classes fill the gap after the object header themselves (`headerGap`); PaddedLayoutTest
 * checks the offsets.
 *
 * The linger (serial() lanes only). With two threads invoking one lane, the drain changed hands
 * about 4 million times a second: the drainer ran the other thread's calls, caught up, released
 * the lane, and the other thread's next invoke claimed it again, each hand-off a cache-line
 * round trip for the claim word and the queue's ends (docs/performance.md). So a drainer that
 * ran queued calls, at least one of them queued by another thread, polls for the next one,
 * LINGER_SPINS spin-wait hints (a PAUSE on x86 lasts about 10 to 140 cycles, by CPU model),
 * before it releases: while the other thread keeps queueing, one thread drains and the other
 * produces, a pipeline, and the 2-producer throughput rose 1.6- to 2.2-fold
 * (docs/performance.md). It polls with relaxedPoll, which reads only the next slot: isEmpty()
 * reads the producer index, which each producer's getAndAdd writes, and polling it that often
 * slowed the producer down (an experiment measured the lane at half its speed).
 *
 * Only another thread's call is a reason to linger: a drainer that ran only its own calls (the
 * idle fast path, calls its callbacks queued reentrantly, a replay its own set() queued) does
 * not, so a lane that is not contended pays nothing. How does the drainer know? An invoker
 * that finds the lane busy and is not the drainer (by the id the drainer stored as it started)
 * sets `contended`; a drainer whose linger found nothing clears it (the other thread went
 * quiet), so after contention ends a lone invoker lingers at most once. Both fields sit on the
 * claim word's cache line, which a busy invoker reads anyway, and both are hints, racy by
 * design: a stale value costs one linger or skips one, never a guarantee. Two other places to
 * clear it lost the pipeline. Cleared at every linger, it was often cleared just after an
 * invoker had read it, and the drainer released at its next catch-up (13-16 calls/us).
 * Cleared as each drain started, a new drain's first catch-up came before the other core's
 * write of the hint was visible, most often when cross-core transfers were slow (10-25
 * calls/us against 25-26 without the hint, docs/performance.md).
 *
 * The held mark is released before the linger, so a reset() never waits for one. The cost is
 * the drainer's: its invoke returns up to one linger later than the queue went empty, and it
 * keeps draining while another thread keeps invoking, the same kind of cost as draining other
 * threads' calls at all. Executor lanes do not linger: a pool thread spinning holds a pool
 * thread.
 *
 * Executor lanes drain at most EXECUTOR_BATCH calls per task and then resubmit themselves, keeping
 * the claim, so one busy connection cannot hold a pool thread forever. The inline serial lane has
 * no such bound: the invoker that wins the drain runs until the queue is empty (documented above).
 *
 * Each hand-off to the executor is a DrainTask of its own (one object per claim and per batch),
 * registered in `pendingTask` and consumed by CAS when it starts. Two things depend on that. A
 * task the executor ran inline, inside the submitter's own execute(), reports so in its own
 * fields, read only by its submitter's thread; a per-lane flag was overwritten by another pool
 * thread's inline run while the first was still returning from execute(), and both drained. And
 * when execute() throws, the submitter revokes the task: if the revoke wins, the task never
 * started and never will (a late run finds itself revoked and returns), so the claim is still
 * the submitter's to release; if it loses, the task started, inline or elsewhere, and owns the
 * claim, so the submitter neither releases it nor calls the failure a refusal (a
 * VirtualMachineError from a callback run inline propagates as itself).
 */
public final class Delivery {
  private static final VarHandle DRAIN_STATE;
  private static final VarHandle PENDING_TASK;

  static {
    try {
      DRAIN_STATE = MethodHandles.lookup().findVarHandle(DrainStateValue.class, "value", int.class);
      PENDING_TASK =
          MethodHandles.lookup().findVarHandle(Delivery.class, "pendingTask", DrainTask.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static final int IDLE = 0;
  private static final int DRAINING = 1;

  /** Calls an executor lane runs per task before yielding its pool thread. */
  static final int EXECUTOR_BATCH = 256;

  /**
   * Spin-wait hints a serial() drainer that ran another thread's calls spends polling for the
   * next one before it releases the lane (see the notes); executor lanes do not linger.
   */
  static final int LINGER_SPINS = 64;

  /** Stands for a null value in the queue, which holds no nulls. */
  static final Object NULL_VALUE = new Object();

  private static final Delivery INLINE = new Delivery("inline", null, null);
  private static final AtomicLong LANE_IDS = new AtomicLong();

  private final String name;
  private final @Nullable LaneQueue queue;
  private final @Nullable Executor executor;

  /**
   * IDLE, or DRAINING while one thread (or one executor task, pending or running) drains; an
   * object of its own, padded, so that nothing else shares its cache lines (see the notes).
   */
  private final DrainState drainState = new DrainState();

  /** Written only by the drainer, which changes hands through drainState. */
  private final AtomicLong discarded = new AtomicLong();

  /**
   * The drain task handed to the executor and not yet started, or null; cleared by CAS by the
   * task as it starts, or by its submitter revoking it when execute() fails.
   */
  private volatile @Nullable DrainTask pendingTask;

  /** The drainer's mark kept across calls of one registration; drainer only, empty when idle. */
  private final HeldMark held = new HeldMark();

  private Delivery(String name, @Nullable LaneQueue queue, @Nullable Executor executor) {
    this.name = name;
    this.queue = queue;
    this.executor = executor;
  }

  /**
   * Runs each callback on the thread that invokes it; calls from different threads may overlap.
   * The default.
   */
  public static Delivery inline() {
    return INLINE;
  }

  /**
   * A new serial lane drained by its invokers: an {@code invoke} that finds the lane idle runs
   * its call, and every call queued meanwhile, on its own thread.
   */
  public static Delivery serial() {
    return new Delivery("serial-" + LANE_IDS.incrementAndGet(), new XaddLaneQueue(), null);
  }

  /**
   * A new serial lane always drained on {@code executor}: {@code invoke} never runs a callback.
   * The executor should run tasks on threads that are not the invokers' (a pool, or a thread per
   * task); a direct executor turns this into {@link #serial()}.
   *
   * @throws NullPointerException if {@code executor} is null
   */
  public static Delivery serialOn(Executor executor) {
    Objects.requireNonNull(executor, "executor");
    return new Delivery(
        "serial-" + LANE_IDS.incrementAndGet() + "-on-executor", new XaddLaneQueue(), executor);
  }

  /** Whether this is a serial lane (not {@link #inline()}). */
  public boolean isSerial() {
    return queue != null;
  }

  /** Whether this lane always drains on an executor ({@link #serialOn(Executor)}). */
  public boolean drainsOnExecutor() {
    return executor != null;
  }

  /**
   * How many calls are queued and not yet run or discarded; a snapshot. Always 0 for
   * {@link #inline()}.
   */
  public int queuedCount() {
    LaneQueue lane = queue;
    return lane == null ? 0 : lane.size();
  }

  /**
   * How many queued calls this lane has discarded because their callback was removed before they
   * started. Counted when the lane reaches them; always 0 for {@link #inline()}.
   */
  public long discardedCount() {
    return discarded.get();
  }

  /** How many times a drainer of this lane lingered; for tests. */
  long lingerCount() {
    return held.lingers;
  }

  /** The lane's generated name, used in exceptions, such as {@code serial-3}. */
  public String name() {
    return name;
  }

  @Override
  public String toString() {
    return queue == null
        ? "Delivery[inline]"
        : "Delivery["
            + name
            + ", queued="
            + queuedCount()
            + ", discarded="
            + discardedCount()
            + "]";
  }

  // ---- the lane ----

  /**
   * Queues a call of {@code registration} with {@code value} and starts a drain if the lane is
   * idle. Serial lanes only.
   *
   * @throws RejectedExecutionException naming {@code slotName} if the executor rejects the drain
   */
  void submit(CallbackSlot.Registration<?> registration, @Nullable Object value, String slotName) {
    LaneQueue lane = Objects.requireNonNull(queue);
    Object queuedValue = value == null ? NULL_VALUE : value;
    if (executor == null
        && drainState.value == IDLE
        && DRAIN_STATE.compareAndSet(drainState, IDLE, DRAINING)) {
      if (lane.isEmpty()) {
        drain(lane, Integer.MAX_VALUE, registration, queuedValue); // the idle fast path
      } else {
        lane.offer(registration, queuedValue); // behind calls queued before the claim
        drain(lane, Integer.MAX_VALUE, null, null);
      }
      return;
    }
    lane.offer(registration, queuedValue);
    DrainState state = drainState;
    if (state.value == IDLE && DRAIN_STATE.compareAndSet(state, IDLE, DRAINING)) {
      if (executor == null) {
        drain(lane, Integer.MAX_VALUE, null, null);
      } else {
        startDrainOnExecutor(slotName);
      }
    } else if (executor == null
        && !state.contended
        && state.drainerId != Thread.currentThread().getId()) {
      state.contended = true; // another thread queued behind the drain: worth a linger
    }
  }

  /**
   * Hands the claimed drain to the executor. If execute() fails before the task started (or the
   * task cannot even be made), the claim is released and the failure reported: a
   * VirtualMachineError as itself, anything else as a refusal. If the task started (inline, on
   * this thread, or elsewhere), the claim is the task's, and what execute() threw, such as a
   * VirtualMachineError from a callback the task ran inline, propagates untouched.
   */
  private void startDrainOnExecutor(String slotName) {
    @Nullable DrainTask task = null;
    try {
      task = new DrainTask(false);
      Objects.requireNonNull(executor).execute(task);
    } catch (RuntimeException | Error e) {
      if (task != null && !task.revoke()) {
        throw e; // the task started and owns the claim: not a refusal
      }
      DRAIN_STATE.setVolatile(drainState, IDLE);
      if (e instanceof VirtualMachineError) {
        throw e; // e.g. no memory for a pool thread: not hidden behind a refusal
      }
      throw new RejectedExecutionException(
          "the executor of lane '"
              + name
              + "' refused its drain, on invoke of slot '"
              + slotName
              + "'; "
              + queuedCount()
              + " calls stay queued until the next invoke",
          e);
    } finally {
      if (task != null) {
        task.insideExecute = false;
      }
    }
  }

  /**
   * Runs {@code firstHeader}'s call if not null (an invoker's call that was never queued), then
   * queued calls until the queue is empty (then releases the drain), or, on an executor lane,
   * until {@code budget} calls have run (then resubmits itself, keeping the drain).
   */
  private void drain(
      LaneQueue lane,
      int budget,
      CallbackSlot.@Nullable Registration<?> firstHeader,
      @Nullable Object firstValue) {
    boolean holding = true;
    DrainState state = drainState;
    state.drainerId = Thread.currentThread().getId();
    try {
      if (firstHeader != null) {
        runCall(firstHeader, firstValue);
      }
      int left = budget;
      boolean ranQueued = false; // since the last linger: calls queued, maybe by other threads
      for (; ; ) {
        Object header;
        while ((header = lane.pollHeader()) != null) {
          ranQueued = true;
          runCall((CallbackSlot.Registration<?>) header, lane.pollValue());
          if (executor != null && --left == 0) {
            CallbackSlot.releaseHeldMark(held); // the next task may run on another thread
            holding = false; // resubmit hands the claim over, releases it, or gives it back
            if (resubmit()) {
              return;
            }
            holding = true;
            left = budget; // the executor ran the task inline: keep draining here
          }
        }
        // Before the lane can be claimed by another thread, and before lingering, so that a
        // reset() never waits for the linger.
        CallbackSlot.releaseHeldMark(held);
        if (ranQueued && executor == null && state.contended) {
          ranQueued = false;
          held.lingers++;
          for (int spin = 0; spin < LINGER_SPINS && (header = lane.pollHeader()) == null; spin++) {
            Thread.onSpinWait();
          }
          if (header != null) {
            ranQueued = true;
            runCall((CallbackSlot.Registration<?>) header, lane.pollValue());
            continue;
          }
          state.contended = false; // the other thread went quiet: no linger until it is back
        }
        holding = false;
        DRAIN_STATE.setVolatile(drainState, IDLE);
        if (lane.isEmpty() || !DRAIN_STATE.compareAndSet(drainState, IDLE, DRAINING)) {
          return;
        }
        holding = true;
      }
    } finally {
      if (holding) {
        // Only a VirtualMachineError from a callback gets here (runQueued reports the rest).
        CallbackSlot.releaseHeldMark(held);
        DRAIN_STATE.setVolatile(drainState, IDLE);
        try {
          if (executor != null
              && !lane.isEmpty()
              && DRAIN_STATE.compareAndSet(drainState, IDLE, DRAINING)
              && !resubmit()) {
            // Ran inline: the next invoke drains, as on a serial() lane.
            DRAIN_STATE.setVolatile(drainState, IDLE);
          }
        } catch (VirtualMachineError second) {
          // resubmit released the claim and logged this; the callback's error propagates
        }
      }
    }
  }

  /** Runs one call, or discards it if its callback was removed; the drainer only. */
  private void runCall(CallbackSlot.Registration<?> header, @Nullable Object value) {
    if (!CallbackSlot.runQueued(held, header, value == NULL_VALUE ? null : value)) {
      discarded.lazySet(discarded.get() + 1); // single writer: the drainer
    }
  }

  /**
   * 128 bytes before the claim word: two cache lines, as adjacent lines are fetched in pairs.
   * {@code headerGap} takes the 4 bytes after a 12-byte object header, which HotSpot (JDK 15+)
   * would otherwise give to the first subclass field that fits, the claim word itself
   * (PaddedLayoutTest checks the offsets).
   */
  private static class DrainStatePadBefore {
    int headerGap;
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
  }

  /**
   * The claim word, in a subclass of the padding, so laid out after it, and the two hints of the
   * linger, which every busy invoke reads with the claim word, on the same cache line.
   */
  private static class DrainStateValue extends DrainStatePadBefore {
    volatile int value;

    /**
     * The id of the thread that claimed the lane last: written by it as it starts to drain,
     * read by invokers that find the lane busy. A hint, read without ordering: a stale id only
     * makes one linger more or less likely.
     */
    long drainerId;

    /**
     * Set by an invoker other than the drainer that queued behind the drain; cleared by a
     * drainer whose linger found nothing. Also a hint, for the same reason.
     */
    boolean contended;
  }

  /** 128 bytes after the claim word, so that what is allocated next cannot share its lines. */
  private static final class DrainState extends DrainStateValue {
    long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;
  }

  /**
   * The in-flight mark a drainer keeps across consecutive calls of one registration, so that
   * each further call costs a volatile read instead of a fence (see CallbackSlot.runQueued).
   * Owned by the lane's current drainer; published to the next drainer by drainState.
   */
  static final class HeldMark {
    /** The drainer's record (an InFlight.Record) in {@link #slot}, or null. */
    @Nullable Object record;

    CallbackSlot.@Nullable Registration<?> registration;
    @Nullable CallbackSlot<?> slot;

    /**
     * Lingers started (tests read it once the drainers have ended); here, not in Delivery,
     * because every invoke reads Delivery's fields and only the drainer touches this object.
     */
    long lingers;
  }

  /**
   * Executor lanes: continue the drain in a new task, keeping the claim.
   *
   * @return false if the executor ran the task inline (the caller keeps the claim and drains on);
   *     true if the task was handed over (the claim is the task's), or refused (the claim is
   *     released)
   * @throws VirtualMachineError if the hand-off failed with one before the task started; the
   *     claim is released
   */
  private boolean resubmit() {
    @Nullable DrainTask task = null;
    try {
      task = new DrainTask(true);
      Objects.requireNonNull(executor).execute(task);
    } catch (RuntimeException | Error e) {
      if (task == null || task.revoke()) {
        DRAIN_STATE.setVolatile(drainState, IDLE);
        System.getLogger("dev.tether.Delivery")
            .log(
                System.Logger.Level.WARNING,
                "the executor of lane '"
                    + name
                    + "' refused to continue its drain; "
                    + queuedCount()
                    + " calls stay queued until the next invoke",
                e);
        if (e instanceof VirtualMachineError) {
          throw e; // the claim is released: the caller must not touch it again
        }
        return true;
      }
      // The task started, then execute() failed: the claim is where the task left it.
      System.getLogger("dev.tether.Delivery")
          .log(
              System.Logger.Level.WARNING,
              "the executor of lane '" + name + "' failed after starting its drain",
              e);
    } finally {
      if (task != null) {
        task.insideExecute = false;
      }
    }
    return !task.ranInline;
  }

  /**
   * One hand-off of an executor lane's drain: runs at most once, and not at all once its
   * submitter has revoked it (execute() failed), so a task that an executor queued and then
   * reported as failed can never drain beside the next claimant. Made per hand-off (each claim,
   * and every EXECUTOR_BATCH calls), so what one hand-off learns (ranInline) is never read by
   * another: a field shared by all hand-offs let a pool thread's inline run persuade another
   * thread that its own hand-off had run inline, and both drained.
   */
  private final class DrainTask implements Runnable {
    private final Thread submitter = Thread.currentThread();

    /** From resubmit(): run inline, the task hands the drain back instead of recursing. */
    private final boolean continuation;

    /** Submitter's thread only: true while its execute() has not returned. */
    boolean insideExecute = true;

    /** Submitter's thread only: the task ran inline inside execute() and handed back. */
    boolean ranInline;

    DrainTask(boolean continuation) {
      this.continuation = continuation;
      PENDING_TASK.setVolatile(Delivery.this, this);
    }

    /** Submitter only: true if the task had not started and now never will. */
    boolean revoke() {
      return PENDING_TASK.compareAndSet(Delivery.this, this, null);
    }

    @Override
    public void run() {
      if (!PENDING_TASK.compareAndSet(Delivery.this, this, null)) {
        return; // revoked (its submitter released the claim), or run twice by the executor
      }
      if (continuation && Thread.currentThread() == submitter && insideExecute) {
        // A direct executor ran the task inside resubmit()'s execute(): the drain calling it goes
        // on in its own loop, so a long backlog does not recurse once per batch.
        ranInline = true;
        return;
      }
      drain(Objects.requireNonNull(queue), EXECUTOR_BATCH, null, null);
    }
  }
}
