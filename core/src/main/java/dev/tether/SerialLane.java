package dev.tether;

import dev.tether.InFlight.ThreadRecord;
import dev.tether.LanePadding.DrainStateValue;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The drain engine of a serial {@link Delivery}: queues calls and runs them one at a time, in
 * order, on whichever thread wins the drain, or on the lane's executor. Thread-safe: {@link
 * #submit} may be called from any thread; everything else named "drainer only" runs on the one
 * thread that holds the claim. The contract is {@link Delivery}'s.
 */
/*
 * Implementation notes
 *
 * A drain-by-one combining queue (as Guava's SequentialExecutor): producers enqueue into an MPSC
 * LaneQueue, and at most one thread, the drainer, polls and runs calls. The claim word
 * (drainState.value) is IDLE or DRAINING; the thread that moves it IDLE -> DRAINING by CAS drains
 * (or hands the drain to the executor). The claim is held from that CAS until a volatile store of
 * IDLE, by one thread or one DrainTask (pending or running) at a time.
 *
 * [Claim] The claim's CAS and its release store order successive drainers: everything a drainer
 * did before its release store happens-before what the next drainer does after its CAS. So the
 * drainer-only state (held, its lingers, the single-writer `discarded` counter) needs no other
 * ordering, and the calls of a lane never overlap. An executor lane's resubmit keeps the claim;
 * there the next batch is ordered after the last by [Revoke] (pendingTask's volatile store and
 * CAS) and by Executor.execute's own happens-before.
 *
 * [LaneDekker] No call is left in an idle lane. The drainer releases with a volatile store of
 * IDLE and then re-reads the queue's emptiness (isEmpty, volatile reads of both ends); a producer
 * claims its place (a volatile getAndAdd of the producer index) and then reads the claim word.
 * In the synchronization order either the producer's read sees IDLE and it claims the drain
 * itself, or the drainer's re-read sees the producer's claimed index and re-claims. The drainer
 * polls with pollHeader, which returns null for a place claimed but not yet stored; the
 * release-and-re-check then retries, so no path spins inside the queue.
 *
 * [FastPath] The idle fast path (serial() lanes): an invoker that finds the lane IDLE claims it
 * first and, if the queue is then empty, runs its call without queueing it. It cannot overtake a
 * call whose invoke returned: that call's getAndAdd precedes its invoke's return, hence this
 * claim CAS and the isEmpty() read after it, so isEmpty() sees it, unless a drainer already
 * polled it, and a drainer runs what it polled before it releases the claim this CAS took over.
 * The isEmpty() read is this call's queueing point. If the queue is not empty, the call is
 * queued behind what is there and drained as usual.
 *
 * Calls are pairs (LaneCall, value) claimed together, so a steady lane allocates nothing per call.
 * The header is the registration, not the slot: the drainer runs a call only if that
 * registration is still installed, with the invoker's mark-then-re-check ([Dekker], InFlight), so
 * a removal that returned has either been seen by the re-check (discarded) or waits for the mark
 * (in flight). The drain in progress is thus an in-flight call like any other: reset from inside
 * the lane's own callback is the reentrant reset, and a cycle through lanes is a cycle of
 * threads in WaitForGraph. Reentrancy needs no code: an invoke from inside a lane callback finds
 * the lane DRAINING and only enqueues; the drain runs it after the current call.
 *
 * [HeldMark] The drainer keeps its mark across consecutive calls of one registration, so each
 * further call costs the re-check (a volatile read) and no fence. It releases the mark before the
 * lane can be claimed by another thread ([Claim] then publishes the cleared HeldMark), before a
 * linger (so a reset never waits for one), before a hand-off to a new executor task, and on a
 * VirtualMachineError.
 *
 * The linger (serial() lanes). A drainer that ran queued calls, at least one queued by another
 * thread, polls for the next one for LINGER_SPINS spin-wait hints before it releases, so that
 * while another thread keeps queueing one thread drains and the other produces, instead of the
 * claim changing hands at every catch-up. It polls with pollHeader, which reads only the next
 * place: isEmpty() reads the producer index that every producer writes. Only another thread's
 * call is a reason to linger: an invoker that finds the lane busy and is not the drainer (by the
 * id the drainer stored as it started) sets `contended`; a drainer whose linger found nothing
 * clears it, so once contention ends a lone invoker lingers at most once. Both hints sit on the
 * claim word's cache line and are racy by design: a stale value costs one linger or skips one,
 * never a guarantee. Executor lanes do not linger: a spinning pool thread is a held pool thread.
 *
 * Executor lanes drain at most EXECUTOR_BATCH calls per task, then resubmit, keeping the claim, so
 * one busy lane cannot hold a pool thread forever. The inline serial lane has no such bound.
 *
 * [Revoke] Each hand-off to the executor is a DrainTask of its own, registered in `pendingTask`
 * and consumed by CAS as it starts; its submitter, if execute() throws, tries the same CAS to
 * revoke it. Exactly one CAS wins: if the revoke wins, the task never started and never will, so
 * the claim is still the submitter's to release; if it loses, the task started (inline or
 * elsewhere) and owns the claim, so the submitter neither releases it nor calls the failure a
 * refusal. A task run inline reports so in its own fields, read only by its submitter's thread,
 * never in a per-lane field that another hand-off could overwrite.
 *
 * Measurements and history: docs/design-notes.md.
 */
final class SerialLane {
  private static final VarHandle DRAIN_STATE;
  private static final VarHandle PENDING_TASK;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      DRAIN_STATE = lookup.findVarHandle(DrainStateValue.class, "value", int.class);
      PENDING_TASK = lookup.findVarHandle(SerialLane.class, "pendingTask", DrainTask.class);
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
   * next one before it releases the lane; executor lanes do not linger.
   */
  static final int LINGER_SPINS = 64;

  /** Stands for a null value in the queue, which holds no nulls. */
  private static final Object NULL_VALUE = new Object();

  /** The lane's name, for exceptions and log lines. */
  private final String name;

  private final LaneQueue queue;
  private final @Nullable Executor executor;

  /** The claim word and the linger's hints; padded (LanePadding), so nothing shares its lines. */
  private final DrainStateValue drainState;

  /** Written only by the drainer ([Claim]); read by any thread. */
  private final AtomicLong discarded = new AtomicLong();

  /** The drain task handed to the executor and not yet started, or null ([Revoke]). */
  @SuppressWarnings("UnusedVariable") // read and written through PENDING_TASK
  private volatile @Nullable DrainTask pendingTask;

  /** The drainer's mark kept across calls of one registration ([HeldMark]); drainer only. */
  private final HeldMark held = new HeldMark();

  /**
   * @param drainState a new, padded claim word, IDLE
   * @param executor the executor every drain runs on, or null to drain on the invoking threads
   */
  SerialLane(String name, DrainStateValue drainState, @Nullable Executor executor) {
    this.name = name;
    this.queue = new XaddLaneQueue();
    this.drainState = drainState;
    this.executor = executor;
  }

  boolean drainsOnExecutor() {
    return executor != null;
  }

  /** Calls queued and not yet run or discarded; a snapshot. */
  int queuedCount() {
    return queue.size();
  }

  long discardedCount() {
    return discarded.get();
  }

  /** Lingers started; tests read it once the drainers have ended. */
  long lingerCount() {
    return held.lingers;
  }

  // ---- producers ----

  /**
   * Queues a call of {@code call} with {@code value} and starts a drain if the lane is idle.
   *
   * @throws RejectedExecutionException naming {@code slotName} if the executor rejects the drain
   */
  void submit(LaneCall call, @Nullable Object value, String slotName) {
    Object queuedValue = value == null ? NULL_VALUE : value;
    if (executor == null
        && drainState.value == IDLE
        && DRAIN_STATE.compareAndSet(drainState, IDLE, DRAINING)) {
      if (queue.isEmpty()) {
        drainHere(call, queuedValue); // [FastPath]
      } else {
        queue.offer(call, queuedValue); // behind calls queued before the claim
        drainHere(null, null);
      }
      return;
    }
    queue.offer(call, queuedValue);
    DrainStateValue state = drainState;
    // [LaneDekker]: the claim word is read after the offer's getAndAdd.
    if (state.value == IDLE && DRAIN_STATE.compareAndSet(state, IDLE, DRAINING)) {
      if (executor == null) {
        drainHere(null, null);
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
   * VirtualMachineError from a callback the task ran inline, propagates untouched ([Revoke]).
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

  // ---- the drainer ----

  /**
   * A serial() lane's drain, on the invoking thread that claimed it: runs {@code first}'s call if
   * not null (an invoker's call that was never queued), then queued calls, lingering while
   * another thread keeps queueing, until the queue is empty and the claim is released.
   */
  private void drainHere(@Nullable LaneCall first, @Nullable Object firstValue) {
    DrainStateValue state = drainState;
    state.drainerId = Thread.currentThread().getId();
    LaneCall unqueued = first;
    boolean ranQueued = false; // since the last linger: calls queued, maybe by other threads
    for (; ; ) {
      try {
        if (unqueued != null) {
          runCall(unqueued, firstValue);
          unqueued = null;
        }
        ranQueued |= runUntilEmpty();
        held.release(); // [HeldMark]: before lingering and before the claim can change hands
        if (ranQueued && state.contended) {
          ranQueued = lingerForCall();
          if (ranQueued) {
            continue;
          }
        }
      } catch (Throwable fatal) {
        // The claim is held throughout the try, and only a VirtualMachineError from a call gets
        // here (runQueued reports the rest).
        releaseAfterFatal();
        throw fatal;
      }
      // Outside the try: once the claim is released another thread may hold it, and nothing
      // thrown here may release it again.
      if (!releaseThenReclaim()) {
        return;
      }
    }
  }

  /**
   * An executor lane's drain, in a DrainTask: runs queued calls until the queue is empty and the
   * claim is released, or until EXECUTOR_BATCH calls have run; then resubmits, keeping the claim.
   */
  private void drainOnExecutor() {
    drainState.drainerId = Thread.currentThread().getId();
    int left = EXECUTOR_BATCH;
    for (; ; ) {
      try {
        left = runCalls(left);
        held.release(); // [HeldMark]: the next call may run on another thread
      } catch (Throwable fatal) {
        releaseAfterFatal(); // only a VirtualMachineError from a call gets here
        throw fatal;
      }
      if (left == 0) {
        if (resubmit()) {
          return; // handed over, or refused and released
        }
        left = EXECUTOR_BATCH; // the executor ran the task inline: keep draining here
      } else if (!releaseThenReclaim()) {
        return;
      }
    }
  }

  /** Runs queued calls until the queue is empty; whether it ran any. Drainer only. */
  private boolean runUntilEmpty() {
    boolean ran = false;
    Object header;
    while ((header = queue.pollHeader()) != null) {
      ran = true;
      runCall((LaneCall) header, queue.pollValue());
    }
    return ran;
  }

  /**
   * Runs queued calls until the queue is empty or {@code budget} calls have run; returns the
   * budget left (0: spent). Drainer only.
   */
  private int runCalls(int budget) {
    int left = budget;
    Object header;
    while (left > 0 && (header = queue.pollHeader()) != null) {
      runCall((LaneCall) header, queue.pollValue());
      left--;
    }
    return left;
  }

  /**
   * Polls for the next call for LINGER_SPINS spin-wait hints. Runs it and returns true if one
   * came; otherwise clears the contention hint (the other thread went quiet) and returns false.
   */
  private boolean lingerForCall() {
    held.lingers++;
    Object header = null;
    for (int spin = 0; spin < LINGER_SPINS && (header = queue.pollHeader()) == null; spin++) {
      Thread.onSpinWait();
    }
    if (header == null) {
      drainState.contended = false;
      return false;
    }
    runCall((LaneCall) header, queue.pollValue());
    return true;
  }

  /**
   * Releases the claim, then re-reads the queue ([LaneDekker]); true if a call was queued
   * meanwhile and this thread claimed the lane again to run it.
   */
  private boolean releaseThenReclaim() {
    DRAIN_STATE.setVolatile(drainState, IDLE);
    return !queue.isEmpty() && DRAIN_STATE.compareAndSet(drainState, IDLE, DRAINING);
  }

  /**
   * After a VirtualMachineError from a call: releases the mark and the claim, and on an executor
   * lane hands the calls still queued to a new task; a serial() lane leaves them to the next
   * invoke.
   */
  private void releaseAfterFatal() {
    held.release();
    DRAIN_STATE.setVolatile(drainState, IDLE);
    if (executor == null) {
      return;
    }
    try {
      if (!queue.isEmpty()
          && DRAIN_STATE.compareAndSet(drainState, IDLE, DRAINING)
          && !resubmit()) {
        DRAIN_STATE.setVolatile(drainState, IDLE); // ran inline: the next invoke drains
      }
    } catch (VirtualMachineError second) {
      // resubmit released the claim and logged this; the call's error propagates
    }
  }

  /** Runs one call, or discards it if its callback was removed. Drainer only. */
  private void runCall(LaneCall call, @Nullable Object value) {
    if (!call.runQueued(held, value == NULL_VALUE ? null : value)) {
      discarded.lazySet(discarded.get() + 1); // single writer: the drainer ([Claim])
    }
  }

  /**
   * Executor lanes: continues the drain in a new task, keeping the claim.
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
   * The in-flight mark a drainer keeps across consecutive calls of one registration ([HeldMark]).
   * Drainer only; published to the next drainer by the claim ([Claim]).
   */
  static final class HeldMark {
    /** The drainer's record, which carries the mark, or null when no mark is kept. */
    private @Nullable ThreadRecord record;

    /** The registration whose mark is kept, or null. */
    private @Nullable LaneCall call;

    /** Lingers started; here because only the drainer touches this object. */
    long lingers;

    /** Whether the mark kept is {@code call}'s. */
    boolean holds(LaneCall call) {
      return this.call == call;
    }

    /** Keeps the mark {@code record} carries for {@code call}; none may be kept now. */
    void hold(LaneCall call, ThreadRecord record) {
      this.call = call;
      this.record = record;
    }

    /** Clears the mark kept, if any, and wakes a remover waiting for it. */
    void release() {
      ThreadRecord kept = record;
      LaneCall keptCall = call;
      if (kept != null && keptCall != null) {
        record = null;
        call = null;
        keptCall.clearMark(kept);
      }
    }
  }

  /**
   * One hand-off of an executor lane's drain: runs at most once, and not at all once its
   * submitter has revoked it ([Revoke]). Made per hand-off (each claim, and every EXECUTOR_BATCH
   * calls), so what one hand-off learns (ranInline) is never read by another.
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
      PENDING_TASK.setVolatile(SerialLane.this, this);
    }

    /** Submitter only: true if the task had not started and now never will ([Revoke]). */
    boolean revoke() {
      return PENDING_TASK.compareAndSet(SerialLane.this, this, null);
    }

    @Override
    public void run() {
      if (!PENDING_TASK.compareAndSet(SerialLane.this, this, null)) {
        return; // [Revoke]: revoked (its submitter released the claim), or run twice
      }
      if (continuation && Thread.currentThread() == submitter && insideExecute) {
        // A direct executor ran the task inside resubmit()'s execute(): the drain calling it goes
        // on in its own loop, so a long backlog does not recurse once per batch.
        ranInline = true;
        return;
      }
      drainOnExecutor();
    }
  }
}
