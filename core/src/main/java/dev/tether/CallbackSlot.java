package dev.tether;

import dev.tether.InFlight.ThreadRecord;
import dev.tether.internal.LockCycle;
import dev.tether.internal.Quiescible;
import dev.tether.internal.TetherCleaner;
import dev.tether.internal.WaitForGraph;
import dev.tether.internal.events.CallbackFailedEvent;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.util.ArrayDeque;
import java.util.List;
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
 * In-flight marks (the hot path). The marks, the per-thread records that hold them and their
 * lookup live in InFlight (created by the first invoke; see its notes): the first few threads own
 * a padded record each, every further thread uses a record that exists only while its invoke
 * runs. invoke does (callMarked, the one place a call starts, and markCurrent):
 *   1. r = current                                   (volatile read)
 *   2. mark r on the thread's record                 (a volatile write: the one full fence)
 *   3. if current != r: clear the mark and retry     (volatile read)
 *   4. call r's callback
 *   5. clear the mark                                (release stores), then wake waiters if asked.
 * A remover swaps `current` (volatile CAS) and then scans the marks for registrations that differ
 * from the current one. Steps 2-3 against swap-then-scan are the pair [Dekker] of InFlight's
 * notes: either the scan sees the mark (so the remover waits), or the invoker sees the change and
 * never calls. Hence no call of a removed registration can start after the scan, and the set of
 * threads a remover waits for only shrinks. `inFlight` is created by CAS before any mark in it,
 * so a scan ordered after a mark finds it non-null.
 * A remover then snapshots the removed registrations still running (marks that are not the
 * current registration) and waits until no other thread runs any of them. Snapshotting "every
 * removed registration running now" rather than only "the one I removed" makes a losing
 * concurrent reset(), and a second close(), wait for the winner's removal: every caller returns
 * only when nothing removed is running. Snapshotting rather than re-evaluating "not current" keeps
 * the set of blockers shrinking: a registration installed and removed after the wait began is not
 * waited for, so a reset finishes under any amount of set/invoke churn.
 *
 * Nesting. Reentrancy is detected from the record: a thread whose record carries the outermost
 * mark is inside this slot's callback. DEFER queues the value in the record (allocating only
 * then); the outermost invoke drains the queue after its call, passing its record along (to
 * keepOrDrop and deliverKept too), since a short-lived record is found again only while marked.
 * ALLOW pushes a nested mark onto the record's small `nested` stack, so a remover that replaced
 * the callback from inside it still sees every registration on the stack.
 *
 * Waiting. A remover first scans without side effects; when a foreign mark remains it enters
 * WaitForGraph.await, the slow path that parks, detects wait cycles exactly, and probes user locks
 * (see its notes). Its own marks are excluded from its blockers: that is the reentrant reset. The
 * blockers are the Thread objects of the records with a removed mark, whichever kind of record.
 * An invoker clears its mark with a release store and then reads its record's wake flag, so it
 * pays one full fence per call; a wakeup lost in that window costs the waiter one timed park.
 *
 * Serial lanes. invoke submits the installed Registration as the call's header to the lane's
 * SerialLane; the drainer calls back through LaneCall (Registration.runQueued, then runQueued
 * here), which marks and re-checks as above and may keep the mark across calls ([HeldMark],
 * SerialLane). The slot knows the lane; the lane knows registrations and records, not slots.
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
  private static final Policy DEFAULT_POLICY =
      new Policy(Reentrancy.DEFER, Replay.none(), CallbackErrorHandler.logging());

  private final String name;
  private final Policy policy;

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

  private CallbackSlot(String name, Policy policy, Delivery delivery, @Nullable Lifecycle owner) {
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
    return new CallbackSlot<>(checkName(name), DEFAULT_POLICY, Delivery.inline(), null);
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
      return invokeReentrant(self, value);
    }
    return callThenDrain(self, value) || keepOrDrop(value, self);
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
    awaitQuiescence();
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
    return awaitAsync();
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
    awaitQuiescence();
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

  // ---- the remover's view of in-flight calls ----

  /**
   * The removed registrations that some thread other than {@code excluded} is running now, or
   * null if none. Called after the removal: by [Dekker] (InFlight) every call of a removed
   * registration that will ever run has its mark visible here, so this snapshot is the complete
   * set to wait for, and it can only shrink. A registration removed later (by a concurrent set or
   * reset) is not in it: a waiter never waits for calls that began after it.
   */
  private @Nullable List<Registration<?>> runningRemoved(@Nullable Thread excluded) {
    Registration<? super T> installed = current;
    InFlight marks = inFlight; // [Dekker]: created before any mark, so a mark implies non-null
    return marks == null ? null : marks.marksOtherThan(installed, excluded);
  }

  /** A wait for {@code removed}, as the waiting machinery sees it; made only on the slow path. */
  private Quiescible asWaitTarget(List<Registration<?>> removed) {
    InFlight marks = Objects.requireNonNull(inFlight); // a mark was found in it
    return marks.waitTarget(removed, name, this);
  }

  // ---- hot path: mark, re-check, call, clear, wake ----

  private InFlight inFlight() {
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

  /** Outcomes of {@link #callMarked}. */
  private static final int NOT_CURRENT = 0;

  private static final int CALLED = 1;
  private static final int OWNER_GONE = 2;

  /**
   * The one place a call of an inline slot starts: marks {@code registration} on {@code self} at
   * {@code depth} ({@link InFlight#OUTERMOST} or a nested depth), re-checks that it is still
   * installed, calls it, clears the mark and wakes a remover that asked.
   *
   * @return {@link #CALLED}; {@link #NOT_CURRENT} if it was removed before the call could start
   *     (never called); {@link #OWNER_GONE} if its weak owner is gone (not called)
   */
  private int callMarked(
      ThreadRecord self, Registration<? super T> registration, @Nullable T value, int depth) {
    if (!markCurrent(self, registration, depth)) {
      return NOT_CURRENT;
    }
    boolean delivered;
    try {
      delivered = deliver(registration, value);
    } finally {
      clearMark(self, depth);
    }
    return delivered ? CALLED : OWNER_GONE;
  }

  /**
   * The invoker's side of [Dekker] (InFlight): mark, then re-read {@code current}. Returns true
   * with the mark set if {@code registration} is still installed; otherwise clears the mark (it
   * lost a race with a removal, and the call must never start) and returns false.
   */
  private boolean markCurrent(ThreadRecord self, Registration<? super T> registration, int depth) {
    InFlight.mark(self, registration, depth);
    if (current == registration) {
      return true;
    }
    clearMark(self, depth);
    return false;
  }

  /** Clears a mark of this slot and wakes the removers waiting for it, if one asked. */
  void clearMark(ThreadRecord self, int depth) {
    if (InFlight.clear(self, depth)) {
      WaitForGraph.wake(this);
    }
  }

  /**
   * Calls the installed callback once, marked at {@code depth}: the outermost call of
   * {@code invoke}, or ALLOW's nested call.
   *
   * @return whether a callback was called
   */
  private boolean callCurrent(ThreadRecord self, @Nullable T value, int depth) {
    for (; ; ) {
      Registration<? super T> registration = current;
      if (registration == null || registration == CLOSED) {
        return false;
      }
      int outcome = callMarked(self, registration, value, depth);
      if (outcome == CALLED) {
        return true;
      }
      if (outcome == OWNER_GONE) {
        evict(registration); // see whether another callback is set
      }
    }
  }

  /** Runs the callback, routing its failure to the error handler; false if its owner is gone. */
  private boolean deliver(Registration<? super T> registration, @Nullable T value) {
    try {
      return registration.deliver(value);
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable failure) {
      reportFailure(failure);
      return true;
    }
  }

  private void reportFailure(Throwable failure) {
    CallbackFailedEvent event = new CallbackFailedEvent();
    if (event.shouldCommit()) {
      event.target = name;
      event.exceptionClass = failure.getClass().getName();
      event.message = String.valueOf(failure.getMessage());
      event.commit();
    }
    try {
      policy.errorHandler.onCallbackError(this, failure);
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable handlerFailure) {
      handlerFailure.addSuppressed(failure);
      System.getLogger("dev.tether.CallbackSlot")
          .log(
              System.Logger.Level.ERROR,
              "error handler of slot '" + name + "' threw while handling a callback failure",
              handlerFailure);
    }
  }

  private boolean invokeReentrant(ThreadRecord self, @Nullable T value) {
    switch (policy.reentrancy) {
      case REJECT:
        throw new ReentrantInvocationException(name);
      case DEFER:
        self.defer(value);
        return true;
      case ALLOW:
      default:
        return callCurrent(self, value, self.nestedDepth) || keepOrDrop(value, self);
    }
  }

  // ---- serial lanes ----

  /** invoke on a serial lane: queue the call (the lane runs it), or apply the replay policy. */
  private boolean invokeOnLane(SerialLane serial, @Nullable T value) {
    return submitToLane(serial, value) || keepOrDrop(value, null);
  }

  /** Queues a call of the installed callback; false if none is installed. */
  private boolean submitToLane(SerialLane serial, @Nullable T value) {
    Registration<? super T> registration = current;
    if (registration == null || registration == CLOSED) {
      return false;
    }
    // A removal after this read is fine: the lane's drainer re-checks before it calls.
    serial.submit(registration, value, name);
    return true;
  }

  /**
   * Runs a call that the lane queued for {@code registration}, on the lane's drainer thread;
   * false if the registration was removed before the call could start (the call is discarded).
   * The drainer marks a registration as any invoker does ([Dekker], InFlight), but keeps the mark
   * across consecutive calls of the same registration ([HeldMark], SerialLane): the mark is
   * already visible, so each further call needs only the re-check.
   */
  boolean runQueued(
      SerialLane.HeldMark held, Registration<? super T> registration, @Nullable T value) {
    if (held.holds(registration)) {
      if (current != registration) {
        held.release();
        return false; // removed between two calls: discarded, never run
      }
      return deliverMarked(held, registration, value);
    }
    held.release();
    return runQueuedCall(held, registration, value);
  }

  /** The first call of a registration in a run of the drain: mark, re-check, call. */
  private boolean runQueuedCall(
      SerialLane.HeldMark held, Registration<? super T> registration, @Nullable T value) {
    ThreadRecord self = inFlight().recordFor(Thread.currentThread());
    if (self.isInside()) {
      // Not expected: a slot's calls all run on its one lane, which is busy while one of them
      // runs, so a drain never nests inside a call of the same slot. Handled, not assumed: mark
      // on the nested stack, and do not hold the mark.
      int outcome = callMarked(self, registration, value, self.nestedDepth);
      if (outcome == OWNER_GONE) {
        evict(registration);
      }
      return outcome == CALLED;
    }
    if (!markCurrent(self, registration, InFlight.OUTERMOST)) {
      return false; // removed before the call started: discarded, never run
    }
    held.hold(registration, self);
    return deliverMarked(held, registration, value);
  }

  /** Calls {@code registration}, whose mark {@code held} keeps; false if its owner is gone. */
  private boolean deliverMarked(
      SerialLane.HeldMark held, Registration<? super T> registration, @Nullable T value) {
    boolean delivered = false;
    try {
      delivered = deliver(registration, value);
    } finally {
      if (!delivered) {
        held.release(); // a weak owner gone, or a VirtualMachineError on its way out
      }
    }
    if (!delivered) {
      evict(registration);
    }
    return delivered;
  }

  /**
   * An outermost call: calls once, then runs, in order, what the call deferred (DEFER), each as a
   * fresh outermost call. Returns whether the first call happened.
   */
  private boolean callThenDrain(ThreadRecord self, @Nullable T value) {
    try {
      boolean called = callCurrent(self, value, InFlight.OUTERMOST);
      ArrayDeque<Object> queue = self.deferred;
      if (queue != null && !queue.isEmpty()) {
        drainDeferred(queue, self);
      }
      return called;
    } catch (VirtualMachineError fatal) {
      if (self.deferred != null) {
        self.deferred.clear(); // the thread is failing; never deliver these on a later invoke
      }
      throw fatal;
    }
  }

  @SuppressWarnings("unchecked")
  private void drainDeferred(ArrayDeque<Object> queue, ThreadRecord self) {
    Object next;
    while ((next = queue.pollFirst()) != null) {
      T value = next == ThreadRecord.NULL_VALUE ? null : (T) next;
      if (!callCurrent(self, value, InFlight.OUTERMOST)) {
        keepOrDrop(value, self);
      }
    }
  }

  // ---- no callback: replay ----

  /**
   * Keeps the value per the replay policy, or counts it dropped; returns whether it was kept.
   * {@code self}: the calling thread's record when the caller holds it (a guest is not found
   * again once out of the table), else null.
   */
  private boolean keepOrDrop(@Nullable T value, @Nullable ThreadRecord self) {
    ReplayBuffer buffer = replayBuffer();
    if (current == CLOSED) {
      buffer.countDrop();
      return false;
    }
    if (!buffer.offer(value)) {
      return false;
    }
    // A set may have installed a callback and drained the buffer just before the offer: if a
    // callback is there now, deliver what is kept (take() is atomic, so exactly once).
    if (isSet()) {
      deliverKept(self);
    }
    if (current == CLOSED) {
      buffer.discardAll(); // close raced the offer; close discards
    }
    return true;
  }

  @SuppressWarnings("unchecked")
  private void deliverKept(@Nullable ThreadRecord caller) {
    ReplayBuffer buffer = replay;
    if (buffer == null) {
      return;
    }
    ThreadRecord self = caller;
    Object kept;
    while (isSet() && (kept = buffer.take()) != ReplayBuffer.EMPTY) {
      if (lane != null) {
        if (!submitToLane(lane, (T) kept)) {
          buffer.putBack(kept);
          return;
        }
        continue;
      }
      if (self == null) {
        self = inFlight().recordFor(Thread.currentThread());
      }
      if (self.isInside()) {
        // set() from inside this slot's own callback: the replay is not the user's reentrant
        // invoke, so it is deferred behind the running call whatever the policy says.
        self.defer(kept);
      } else if (!callThenDrain(self, (T) kept)) {
        buffer.putBack(kept); // removed meanwhile: back in front, never behind newer values
        return;
      }
    }
  }

  private ReplayBuffer replayBuffer() {
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
        awaitQuiescence();
      } finally {
        deliverKept(null); // also when the wait threw: kept values must reach the new callback
      }
    } else {
      deliverKept(null);
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
  private void evict(Registration<? super T> registration) {
    CURRENT.compareAndSet(this, registration, null);
  }

  private CompletableFuture<Void> awaitAsync() {
    List<Registration<?>> removed = runningRemoved(null);
    return removed == null
        ? CompletableFuture.completedFuture(null)
        : WaitForGraph.awaitAsync(asWaitTarget(removed));
  }

  /**
   * Whether a removed callback of this slot is running now, on any thread: after a close, a call
   * that the closer did not wait for (its own, or one whose wait broke a cycle).
   */
  boolean runsRemovedCallbacks() {
    return runningRemoved(null) != null;
  }

  /**
   * Waits, as {@link #reset()} does, until no removed callback runs on another thread; with
   * {@code mayBreakCycles} false, never gives the wait up (WaitForGraph.awaitOutsideCallbacks).
   *
   * @throws CallbackDeadlockException as {@link #reset()} ({@code mayBreakCycles} only)
   */
  void awaitRemovedCalls(boolean mayBreakCycles) {
    if (mayBreakCycles) {
      awaitQuiescence();
      return;
    }
    List<Registration<?>> removed = runningRemoved(Thread.currentThread());
    if (removed != null) {
      WaitForGraph.awaitOutsideCallbacks(asWaitTarget(removed));
    }
  }

  private void awaitQuiescence() {
    List<Registration<?>> removed = runningRemoved(Thread.currentThread());
    if (removed == null) {
      return;
    }
    LockCycle cycle = WaitForGraph.await(asWaitTarget(removed));
    if (cycle != null) {
      throw new CallbackDeadlockException(
          name, "a callback of slot '" + name + "'", Thread.currentThread(), cycle);
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

  /** Per-slot policies; immutable. */
  private static final class Policy {
    final Reentrancy reentrancy;
    final Replay replay;
    final CallbackErrorHandler errorHandler;

    Policy(Reentrancy reentrancy, Replay replay, CallbackErrorHandler errorHandler) {
      this.reentrancy = reentrancy;
      this.replay = replay;
      this.errorHandler = errorHandler;
    }
  }

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
    private CallbackErrorHandler errorHandler = DEFAULT_POLICY.errorHandler;
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
          new Policy(reentrancy, replay, errorHandler),
          delivery == null ? inherited : delivery,
          owner);
    }

    /** The name the built slot will have. */
    public String name() {
      return name;
    }
  }
}
