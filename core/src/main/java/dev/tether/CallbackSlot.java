package dev.tether;

import dev.tether.InFlight.ThreadRecord;
import dev.tether.internal.TetherCleaner;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A holder of at most one callback that other threads invoke, with a {@link #reset()} that
 * guarantees the removed callback is neither called again nor still running when it returns.
 *
 * <p>Instances are thread-safe: every method may be called from any thread at any time,
 * including from inside any callback, this slot's own included.
 *
 * <p>Memory consistency effects: actions in a thread prior to {@link #set} or {@link #setWeak}
 * happen-before every call of the callback it installs. Actions of a call of a callback
 * happen-before the return of a {@link #reset()}, {@link #set} or {@link #close()} that waited for
 * it, and the completion of a {@link #resetAsync()} future that waited for it. Actions prior to an
 * {@code invoke} happen-before the call it makes with that value, also when the value is deferred
 * or replayed.
 *
 * <p>The guarantee of {@code reset()}: when it returns, the removed callback will never start
 * again, and no call of it is running on any other thread, except where waiting would deadlock:
 * <ol>
 *   <li><b>Reentrant reset.</b> The calling thread is itself inside that callback (a callback
 *       resetting its own slot). The caller does not wait for its own call, which finishes
 *       normally; it still waits for calls on other threads, under rules 2 and 3.
 *   <li><b>Wait cycle.</b> Waiting would close a cycle of threads, each waiting for the next
 *       (for a callback it runs, or, with {@link Lifecycle}, for the close it is doing): thread
 *       A inside X's callback resets Y while thread B inside Y's callback resets X. The cycle is
 *       detected exactly, over a wait-for graph of threads, and exactly one member returns
 *       without waiting: always a member inside a callback when the cycle has one (preferably
 *       one inside a callback of what it waits on), so that a thread outside every callback
 *       keeps waiting; the thread whose wait closed the cycle when that thread is itself inside
 *       a callback; a member released this way returns from its wait early. Every other member
 *       waits. A wait from inside a callback that closes no cycle still waits.
 *   <li><b>User lock.</b> The running callback is blocked on a lock (monitor or
 *       {@code java.util.concurrent} lock) that the resetting thread holds, directly or through a
 *       chain of lock owners and waiting resets. After a short bounded wait (about 50 ms) the reset
 *       asks {@link java.lang.management.ThreadMXBean} (and, for a virtual thread, its park
 *       blocker or the JDK's JSON thread dump) for lock owners, and throws
 *       {@link CallbackDeadlockException}; the slot is reset all the same. Where the JDK does not
 *       say who holds the lock (a lock held by a virtual thread before JDK 26; a monitor a
 *       virtual thread is blocked on before JDK 25), the reset keeps waiting and is reported as
 *       a stall.
 * </ol>
 *
 * <p>Blocking: {@link #invoke} does not block (it runs the callback, which may). {@link #reset()},
 * {@link #set}, {@link #setWeak} and {@link #close()} block until no call of the callback they
 * removed runs on another thread, except as above. {@link #resetAsync()} never blocks. Waiting
 * parks the thread with {@code LockSupport} and never pins a virtual thread. A wait that lasts
 * longer than {@code -Ddev.tether.stallReportMillis} (10 s by default) is reported, and again at
 * doubling intervals, as a {@code WARNING} on the {@code System.Logger} {@code dev.tether.Stall}
 * and as the JFR event {@code dev.tether.WaitStalled}; the wait goes on.
 *
 * <p>Delivery: by default each call runs on the invoking thread. A slot built with a serial
 * {@link Delivery} (or created by a {@link Lifecycle} that has one) queues its calls on that
 * lane, which runs them one at a time, in order, across all its slots; {@link #reset()} then also
 * discards the removed callback's queued calls. See {@link Delivery}.
 *
 * <p>Reentrancy: an {@code invoke} from inside this slot's callback on the same thread is handled
 * by the slot's {@link Reentrancy} policy ({@link Reentrancy#DEFER} by default); on a serial lane
 * it is always queued behind the current call. {@code set},
 * {@code reset} and {@code close} from inside the callback are legal and follow rule 1.
 *
 * <p>Exceptions: a {@link RuntimeException} or {@link Error} thrown by a callback goes to the
 * slot's {@link CallbackErrorHandler} (by default logged at {@code WARNING} with the slot's name),
 * and {@code invoke} returns {@code true}. A {@link VirtualMachineError} propagates out of
 * {@code invoke} after the slot's bookkeeping is restored. No callback exception leaves the slot
 * unable to reset.
 *
 * <p>Interrupts: a waiting {@code reset()} waits uninterruptibly and restores the thread's
 * interrupt status before returning.
 *
 * @param <T> the type of value passed to the callback; may be a nullable type
 * @since 0.1.0
 */
/*
 * Implementation notes
 *
 * State. `current` holds the installed Registration, null when empty, or CLOSED (terminal). Every
 * set creates a new Registration, so identity tells one installation from the next even when the
 * same Consumer is set twice. Legal transitions: null <-> registration, registration ->
 * registration (replace), anything -> CLOSED.
 *
 * In-flight marks. The marks, the per-thread records that hold them and their lookup live in
 * InFlight (created by CAS on the first invoke, before any mark in it, so a scan ordered after
 * a mark finds it non-null). An invoker marks, re-checks `current`, calls, clears (SlotCalls); a
 * remover swaps `current` and then scans the marks (SlotQuiescence): the pair [Dekker] of InFlight's
 * notes, by which no call of a removed registration starts after the scan.
 *
 * Nesting. Reentrancy is detected from the record: a thread whose record carries the outermost
 * mark is inside this slot's callback. DEFER queues the value in the record (allocating only
 * then); ALLOW pushes a nested mark onto the record's small `nested` stack, so a remover that
 * replaced the callback from inside it still sees every registration on the stack.
 *
 * Waking. An invoker clears its mark with a release store and then reads its record's wake flag,
 * so it pays one full fence per call; a wakeup lost in that window costs the waiter one timed
 * park. The blockers a remover waits for are the Thread objects of the records with a removed
 * mark, whichever kind of record.
 *
 * Parts. The public face and the state are here; in files of their own: SlotCalls (the invoker's
 * side: mark, re-check, call, clear), SlotQuiescence (the remover's side), SlotBacklog (deferred and
 * kept values), SlotPolicy (policies, failure routing), and Registration.runQueued (a lane's
 * call: invoke submits the installed Registration as the call's header to the lane's SerialLane,
 * whose drainer calls back through LaneCall, marks and re-checks as SlotCalls does, and may keep
 * the mark across calls, [HeldMark], SerialLane). The slot knows the lane; the lane knows registrations and
 * records, not slots.
 *
 * Costs. invoke takes no lock and holds none while the callback runs. For the threads with an
 * inline record it allocates nothing when a callback is set and no reentrancy occurs; a further
 * thread allocates one short-lived record per outermost invoke (see InFlight). A thread's first
 * invoke claims an inline record if one is free: O(1), no copying.
 */
public final class CallbackSlot<T extends @Nullable Object> implements AutoCloseable {
  private static final VarHandle CURRENT;
  private static final VarHandle IN_FLIGHT;
  private static final VarHandle REPLAY;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      CURRENT = lookup.findVarHandle(CallbackSlot.class, "current", Registration.class);
      IN_FLIGHT = lookup.findVarHandle(CallbackSlot.class, "inFlight", InFlight.class);
      REPLAY = lookup.findVarHandle(CallbackSlot.class, "replay", ReplayBuffer.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static final Registration<Object> CLOSED = new Registration<>(null, value -> {});

  private final String name;
  private final SlotPolicy policy;

  /** How calls are run: {@link Delivery#inline()} or a serial lane. */
  private final Delivery delivery;

  /** The drain engine of {@link #delivery}, or null for inline delivery. */
  private final @Nullable SerialLane lane;

  /** The lifecycle that created this slot and closes it, or null for a slot made on its own. */
  private final @Nullable Lifecycle owner;

  /** null (empty), a Registration (set), or CLOSED (terminal). */
  private volatile @Nullable Registration<? super T> current;

  /** The in-flight marks and the records that hold them; created by the first invoke. */
  private volatile @Nullable InFlight inFlight;

  /** Created on the first invoke that finds no callback. */
  private volatile @Nullable ReplayBuffer replay;

  private CallbackSlot(
      String name, SlotPolicy policy, Delivery delivery, @Nullable Lifecycle owner) {
    this.name = name;
    this.policy = policy;
    this.delivery = delivery;
    this.lane = delivery.lane();
    this.owner = owner;
  }

  /**
   * Creates an empty slot with the default policies: {@link Reentrancy#DEFER},
   * {@link Replay#none()}, and the logging {@link CallbackErrorHandler}.
   *
   * @param name names the slot in every exception, log line and {@code toString()}
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public static <T extends @Nullable Object> CallbackSlot<T> create(String name) {
    return new CallbackSlot<>(checkName(name), SlotPolicy.DEFAULT, Delivery.inline(), null);
  }

  /**
   * Starts configuring a slot.
   *
   * @param name names the slot in every exception, log line and {@code toString()}
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public static <T extends @Nullable Object> Builder<T> builder(String name) {
    return new Builder<>(checkName(name));
  }

  /** The name given at creation. */
  public String name() {
    return name;
  }

  /**
   * Installs {@code callback}, replacing any previous one; the replaced callback is waited for
   * exactly as by {@link #reset()}. Values kept by the {@link Replay} policy are then delivered to
   * the new callback on this thread, before {@code set} returns.
   *
   * @throws NullPointerException if {@code callback} is null
   * @throws IllegalStateException if the slot is closed
   * @throws CallbackDeadlockException if the replaced callback is blocked on a lock this thread
   *     holds; {@code callback} is installed all the same
   */
  public void set(Consumer<? super T> callback) {
    install(new Registration<>(this, Objects.requireNonNull(callback, "callback")));
  }

  /**
   * Installs {@code callback} bound to {@code owner}, which the slot holds only weakly: each call
   * receives the owner and the value. Once the owner has been garbage collected the callback is
   * never called again and the slot empties itself (a {@link java.lang.ref.Cleaner} does it, so
   * the slot need not be invoked to notice). Otherwise behaves as {@link #set}.
   *
   * <p>The callback must not capture {@code owner} strongly, or the owner never becomes
   * unreachable; take it from the first parameter instead.
   *
   * @throws NullPointerException if {@code owner} or {@code callback} is null
   * @throws IllegalStateException if the slot is closed
   * @throws CallbackDeadlockException as {@link #set}
   */
  public <O> void setWeak(O owner, BiConsumer<? super O, ? super T> callback) {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(callback, "callback");
    Registration.Weak<O, T> registration = new Registration.Weak<>(this, owner, callback);
    registration.cleanable = TetherCleaner.register(owner, () -> evict(registration));
    try {
      install(registration);
    } finally {
      // Until installed, only this frame holds the owner: a collection before the CAS would run
      // the cleaner's evict too early (a no-op) and leave a dead registration installed.
      Reference.reachabilityFence(owner);
    }
  }

  /**
   * Calls the callback with {@code value}: on this thread with {@link Delivery#inline()} (the
   * default), or through the slot's serial lane (see {@link Delivery}: the call is queued, and run
   * by whichever thread drains the lane, or by the lane's executor). Takes no lock, holds none
   * while the callback runs, and allocates nothing when a callback is set and no reentrancy
   * occurs (nor on a lane's steady path).
   *
   * <p>With no callback set, the slot's {@link Replay} policy decides whether the value is kept
   * for the next callback. From inside this slot's own callback on the same thread, the
   * {@link Reentrancy} policy applies on an inline slot, and a deferred value counts as accepted;
   * on a serial lane the call is always queued behind the current one.
   *
   * @return {@code true} if the callback was called with the value (even if it threw), or the value
   *     was deferred, queued on the lane, or kept for replay; {@code false} if no callback is set
   *     and the value was not kept, or the slot is closed (both counted in
   *     {@link #droppedCount()}). A queued call whose callback is removed before it starts is
   *     discarded and counted in {@link Delivery#discardedCount()}.
   * @throws ReentrantInvocationException if called from inside this slot's callback on the same
   *     thread and the policy is {@link Reentrancy#REJECT} (inline slots only)
   * @throws java.util.concurrent.RejectedExecutionException if the slot's lane drains on an
   *     executor and the executor refused to start the drain; the call stays queued
   */
  public boolean invoke(T value) {
    if (lane != null) {
      return invokeOnLane(lane, value);
    }
    ThreadRecord self = inFlight().recordFor(Thread.currentThread());
    if (self.isInside()) {
      return SlotBacklog.invokeReentrant(this, self, value);
    }
    return SlotCalls.callThenDrain(this, self, value) || SlotBacklog.keepOrDrop(this, value, self);
  }

  /**
   * Removes the callback and waits until no call of it is running on another thread, except where
   * waiting would deadlock (see the class documentation). Also waits for calls of callbacks
   * removed by concurrent {@code reset}, {@code set} or {@code close} calls, so every caller
   * returns only once nothing removed is running. Values kept for replay stay kept.
   *
   * @return whether a callback was removed
   * @throws CallbackDeadlockException if a removed callback is blocked on a lock this thread holds;
   *     the slot is reset all the same
   */
  public boolean reset() {
    boolean removed = removeInstalled();
    SlotQuiescence.await(this);
    return removed;
  }

  /**
   * Removes the callback without blocking. The returned future completes when no call of a
   * removed callback is running on any thread, the caller's own call included when called from
   * inside the callback. Dependent stages may run on the thread whose call ended last; use the
   * {@code *Async} variants to move them.
   */
  public CompletableFuture<Void> resetAsync() {
    removeInstalled();
    return SlotQuiescence.awaitAsync(this);
  }

  /**
   * Resets the slot for good: afterwards {@link #set} throws {@link IllegalStateException} and
   * {@link #invoke} returns {@code false}. Values kept for replay are discarded and counted as
   * dropped. Waits as {@link #reset()}. Idempotent: a repeated or concurrent call also waits.
   *
   * @throws CallbackDeadlockException as {@link #reset()}; the slot is closed all the same
   */
  @Override
  public void close() {
    @SuppressWarnings("unchecked")
    Registration<? super T> closed = (Registration<? super T>) (Registration<?>) CLOSED;
    Registration<? super T> removed = (Registration<? super T>) CURRENT.getAndSet(this, closed);
    if (removed != null && removed != CLOSED) {
      removed.retire();
    }
    ReplayBuffer buffer = replay;
    if (buffer != null) {
      buffer.discardAll();
    }
    SlotQuiescence.await(this);
  }

  /** The delivery of this slot's calls: {@link Delivery#inline()} or the serial lane it is on. */
  public Delivery delivery() {
    return delivery;
  }

  /** The lifecycle that created this slot, or null. */
  @Nullable Lifecycle owner() {
    return owner;
  }

  /** Whether a callback is installed now. A snapshot: another thread may change it at once. */
  public boolean isSet() {
    Registration<? super T> registration = current;
    return registration != null && registration != CLOSED;
  }

  /** Whether {@link #close()} has been called. */
  public boolean isClosed() {
    return current == CLOSED;
  }

  /**
   * How many values this slot has given up: invoked with no callback and not kept, replaced or
   * evicted in the replay buffer, invoked after close, or discarded by close.
   */
  public long droppedCount() {
    ReplayBuffer buffer = replay;
    return buffer == null ? 0 : buffer.dropped();
  }

  /** How many values are kept for replay now. */
  public int pendingCount() {
    ReplayBuffer buffer = replay;
    return buffer == null ? 0 : buffer.size();
  }

  @Override
  public String toString() {
    Registration<? super T> registration = current;
    String state = registration == CLOSED ? "closed" : registration == null ? "empty" : "set";
    return "CallbackSlot["
        + name
        + ", "
        + state
        + ", reentrancy="
        + policy.reentrancy
        + ", replay="
        + policy.replay
        + (lane == null ? "" : ", lane=" + delivery.name())
        + "]";
  }

  // ---- state, for the slot's parts (SlotCalls, SlotQuiescence, SlotBacklog, Registration) ----

  /** The installed registration, null, or the CLOSED sentinel; a volatile read. */
  @Nullable Registration<? super T> installed() {
    return current;
  }

  /** Whether {@code registration} is the sentinel of a closed slot, which is never called. */
  static boolean isClosedSentinel(Registration<?> registration) {
    return registration == CLOSED;
  }

  /** The in-flight marks, or null before the first invoke; a volatile read. */
  @Nullable InFlight inFlightIfCreated() {
    return inFlight;
  }

  /** The replay buffer, or null before the first value that found no callback. */
  @Nullable ReplayBuffer replayBufferIfCreated() {
    return replay;
  }

  /** The drain engine of this slot's lane, or null for inline delivery. */
  @Nullable SerialLane lane() {
    return lane;
  }

  SlotPolicy policy() {
    return policy;
  }

  // ---- in-flight marks (the hot path is SlotCalls) ----

  InFlight inFlight() {
    InFlight marks = inFlight;
    if (marks == null) {
      InFlight created = new InFlight();
      marks = (InFlight) IN_FLIGHT.compareAndExchange(this, null, created);
      if (marks == null) {
        marks = created;
      }
    }
    return marks;
  }

  /** Tests only: this slot's in-flight marks, created if need be. */
  InFlight inFlightForTesting() {
    return inFlight();
  }

  // ---- serial lanes ----

  /** invoke on a serial lane: queue the call (the lane runs it), or apply the replay policy. */
  private boolean invokeOnLane(SerialLane serial, @Nullable T value) {
    return submitToLane(serial, value) || SlotBacklog.keepOrDrop(this, value, null);
  }

  /** Queues a call of the installed callback; false if none is installed. */
  boolean submitToLane(SerialLane serial, @Nullable T value) {
    Registration<? super T> registration = current;
    if (registration == null || registration == CLOSED) {
      return false;
    }
    // A removal after this read is fine: the lane's drainer re-checks before it calls.
    serial.submit(registration, value, name);
    return true;
  }

  // ---- no callback: replay (SlotBacklog) ----

  /** The replay buffer, created on first use. */
  ReplayBuffer replayBuffer() {
    ReplayBuffer buffer = replay;
    if (buffer == null) {
      ReplayBuffer created = policy.replay.newBuffer();
      buffer = (ReplayBuffer) REPLAY.compareAndExchange(this, null, created);
      if (buffer == null) {
        buffer = created;
      }
    }
    return buffer;
  }

  // ---- installation and removal ----

  private void install(Registration<? super T> registration) {
    Registration<? super T> replaced;
    do {
      replaced = current;
      if (replaced == CLOSED) {
        registration.retire();
        throw new IllegalStateException("slot '" + name + "' is closed: cannot set a callback");
      }
    } while (!CURRENT.compareAndSet(this, replaced, registration));
    if (replaced != null) {
      replaced.retire();
      try {
        SlotQuiescence.await(this);
      } finally {
        // also when the wait threw: kept values must reach the new callback
        SlotBacklog.deliverKept(this, null);
      }
    } else {
      SlotBacklog.deliverKept(this, null);
    }
  }

  /** Swaps the installed callback out, leaving CLOSED alone; returns whether one was removed. */
  private boolean removeInstalled() {
    Registration<? super T> removed;
    do {
      removed = current;
      if (removed == null || removed == CLOSED) {
        return false;
      }
    } while (!CURRENT.compareAndSet(this, removed, null));
    removed.retire();
    return true;
  }

  /** Empties the slot if {@code registration} is still installed; no wait is needed. */
  void evict(Registration<? super T> registration) {
    CURRENT.compareAndSet(this, registration, null);
  }

  /**
   * Whether a removed callback of this slot is running now, on any thread: after a close, a call
   * that the closer did not wait for (its own, or one whose wait broke a cycle).
   */
  boolean runsRemovedCallbacks() {
    return SlotQuiescence.removedRunning(this, null) != null;
  }

  /**
   * Waits, as {@link #reset()} does, until no removed callback runs on another thread; with
   * {@code mayBreakCycles} false, never gives the wait up (WaitForGraph.awaitOutsideCallbacks).
   *
   * @throws CallbackDeadlockException as {@link #reset()} ({@code mayBreakCycles} only)
   */
  void awaitRemovedCalls(boolean mayBreakCycles) {
    if (mayBreakCycles) {
      SlotQuiescence.await(this);
    } else {
      SlotQuiescence.awaitOutsideCallbacks(this);
    }
  }

  private static String checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("slot name must not be blank, was '" + name + "'");
    }
    return name;
  }

  // ---- nested types ----

  /**
   * Configures a {@link CallbackSlot}. <b>Note:</b> not thread-safe; build on one thread.
   *
   * @param <T> the type of value passed to the callback
   * @since 0.1.0
   */
  public static final class Builder<T extends @Nullable Object> {
    private final String name;
    private Reentrancy reentrancy = Reentrancy.DEFER;
    private Replay replay = Replay.none();
    private CallbackErrorHandler errorHandler = SlotPolicy.DEFAULT.errorHandler;
    private @Nullable Delivery delivery;

    private Builder(String name) {
      this.name = name;
    }

    /** What an {@code invoke} from inside the slot's own callback does; default DEFER. */
    public Builder<T> reentrancy(Reentrancy reentrancy) {
      this.reentrancy = Objects.requireNonNull(reentrancy, "reentrancy");
      return this;
    }

    /** What happens to values invoked with no callback set; default {@link Replay#none()}. */
    public Builder<T> replay(Replay replay) {
      this.replay = Objects.requireNonNull(replay, "replay");
      return this;
    }

    /** Who receives what a callback throws; default {@link CallbackErrorHandler#logging()}. */
    public Builder<T> errorHandler(CallbackErrorHandler errorHandler) {
      this.errorHandler = Objects.requireNonNull(errorHandler, "errorHandler");
      return this;
    }

    /**
     * How calls are run; default {@link Delivery#inline()}, or, for a slot created by a
     * {@link Lifecycle}, that node's delivery. Every slot built with one serial
     * {@code Delivery} shares its lane.
     */
    public Builder<T> delivery(Delivery delivery) {
      this.delivery = Objects.requireNonNull(delivery, "delivery");
      return this;
    }

    /** Builds a new, empty slot; the builder may be used again. */
    public CallbackSlot<T> build() {
      return build(Delivery.inline(), null);
    }

    /**
     * Builds with {@code inherited} as the delivery unless one was chosen explicitly, for
     * {@code owner} (null: a slot of no lifecycle).
     */
    CallbackSlot<T> build(Delivery inherited, @Nullable Lifecycle owner) {
      String fullName = owner == null ? name : owner.path() + "/" + name;
      return new CallbackSlot<>(
          fullName,
          SlotPolicy.of(reentrancy, replay, errorHandler),
          delivery == null ? inherited : delivery,
          owner);
    }

    /** The name the built slot will have. */
    public String name() {
      return name;
    }
  }
}
