package dev.tether;

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
 * A Delivery is the lane's identity and public face: the factories, the counters and the
 * contract above. A serial Delivery owns one SerialLane, the drain engine (see its notes for the
 * algorithm and its memory-ordering labels); inline() owns none. Slots keep a reference to the
 * SerialLane itself, so an invoke reaches the engine with no extra load.
 */
public final class Delivery {
  /** Calls an executor lane runs per task before yielding its pool thread. */
  static final int EXECUTOR_BATCH = SerialLane.EXECUTOR_BATCH;

  private static final Delivery INLINE = new Delivery("inline", null);
  private static final AtomicLong LANE_IDS = new AtomicLong();

  private final String name;

  /** The drain engine; null for {@link #inline()}. */
  private final @Nullable SerialLane lane;

  private Delivery(String name, @Nullable SerialLane lane) {
    this.name = name;
    this.lane = lane;
  }

  private static Delivery serialLane(String name, @Nullable Executor executor) {
    return new Delivery(name, new SerialLane(name, new LanePadding.DrainState(), executor));
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
    return serialLane("serial-" + LANE_IDS.incrementAndGet(), null);
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
    return serialLane("serial-" + LANE_IDS.incrementAndGet() + "-on-executor", executor);
  }

  /** Whether this is a serial lane (not {@link #inline()}). */
  public boolean isSerial() {
    return lane != null;
  }

  /** Whether this lane always drains on an executor ({@link #serialOn(Executor)}). */
  public boolean drainsOnExecutor() {
    SerialLane serial = lane;
    return serial != null && serial.drainsOnExecutor();
  }

  /**
   * How many calls are queued and not yet run or discarded; a snapshot. Always 0 for
   * {@link #inline()}.
   */
  public int queuedCount() {
    SerialLane serial = lane;
    return serial == null ? 0 : serial.queuedCount();
  }

  /**
   * How many queued calls this lane has discarded because their callback was removed before they
   * started. Counted when the lane reaches them; always 0 for {@link #inline()}.
   */
  public long discardedCount() {
    SerialLane serial = lane;
    return serial == null ? 0 : serial.discardedCount();
  }

  /** How many times a drainer of this lane lingered; for tests. */
  long lingerCount() {
    SerialLane serial = lane;
    return serial == null ? 0 : serial.lingerCount();
  }

  /** The drain engine of a serial lane, or null for {@link #inline()}. */
  @Nullable SerialLane lane() {
    return lane;
  }

  /** The lane's generated name, used in exceptions, such as {@code serial-3}. */
  public String name() {
    return name;
  }

  @Override
  public String toString() {
    return lane == null
        ? "Delivery[inline]"
        : "Delivery["
            + name
            + ", queued="
            + queuedCount()
            + ", discarded="
            + discardedCount()
            + "]";
  }
}
