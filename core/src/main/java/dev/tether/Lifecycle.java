package dev.tether;

import dev.tether.internal.StripedLocks;
import dev.tether.internal.TetherCleaner;
import dev.tether.internal.WaitForGraph;
import dev.tether.internal.events.LifecycleCloseEvent;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A node in a tree of closeable resources: {@link #close()} closes its whole subtree, child nodes
 * first, then its callback slots, then the resources it owns, each group in reverse order of
 * registration, and returns only when all of it is closed. It replaces libdatachannel's
 * {@code rtc::Cleanup()}: closing the root closes everything, and a bounded wait names what is
 * stuck.
 *
 * <p>Instances are thread-safe: every method may be called from any thread, including from
 * inside a callback of a slot of this node or of any other.
 *
 * <p>Memory consistency effects: actions prior to registering a child, slot or resource
 * happen-before its closing by this node's close. Actions of the whole close (every callback
 * call it waited for, every resource's {@code close()}) happen-before the return of every
 * {@code close()} call that waited for it and the completion of {@link #closeFuture()}.
 *
 * <p>Blocking: {@link #close()} blocks until the node is {@link State#CLOSED} and no callback of
 * its subtree runs on another thread, except where waiting would deadlock, under the rules of
 * {@link CallbackSlot#reset()}:
 * <ul>
 *   <li>A caller outside every callback always waits for both, whoever closes the node and
 *       whatever the node's callbacks do (one that closes the node too included). The one
 *       exception is a wait-for cycle made only of closers (an owned resource's {@code close()}
 *       that closes an ancestor while another thread closes the ancestor): one or both of them
 *       may return without waiting.
 *   <li>A caller inside a callback of this subtree does not wait for its own call.
 *   <li>A caller inside a callback whose wait is part of a wait-for cycle (two nodes closed from
 *       each other's callbacks at the same moment, or a listener closing its node while a
 *       thread outside every callback closes it) may be the member that does not wait: its
 *       {@code close()} returns at once, possibly with the node still {@link State#CLOSING}, and
 *       {@link #closeFuture()} tells when the close completes.
 * </ul>
 * A caller that lost the race to close waits for the winner, as a wait-for edge to the winner's
 * thread. A wait that lasts longer than {@code -Ddev.tether.stallReportMillis} (10 s by default)
 * is reported as a stall, as {@link CallbackSlot}'s are; each close walk is recorded as the JFR
 * event {@code dev.tether.LifecycleClose}. {@link #closeAsync()}, {@link #closeFuture()} and
 * every other method never block.
 *
 * <p>Reentrancy: every method may be called from inside callbacks of this subtree.
 *
 * <p>Exceptions: failures of slot resets ({@link CallbackDeadlockException}) and of owned
 * resources' {@code close()} are collected; the close still finishes the whole subtree, then the
 * first failure is thrown with the others suppressed, and {@link #closeFuture()} completes
 * exceptionally with the same exception. Every caller of {@code close()} that waited sees it.
 *
 * <p>Interrupts: waiting is uninterruptible; the interrupt status is restored on return.
 *
 * @since 0.1.0
 */
/*
 * Implementation notes
 *
 * State. `closer` is null while OPEN, the closing thread while CLOSING, and the CLOSED sentinel
 * once closed; one reference, so that "CLOSING" and "who closes" are published in one CAS and a
 * waiter can never see CLOSING without the thread to wait for. OPEN -> CLOSING happens once, by
 * CAS; the winner does all the work.
 *
 * [Published] closeFailure and lingering are written before the volatile store of CLOSED into
 * `closer` and read by other threads only after a volatile read of `closer` has seen CLOSED, so
 * the store publishes them (the closing thread's own reads are ordered by program order).
 *
 * Structure. The children are a ChildList (by name in creation order), the slots and resources a
 * NodeMembers; each is created on first use, so a node without them holds two nulls. Both, and
 * ownerBinding, are guarded by a striped lock (StripedLocks.of(node)), never held while user code
 * runs or while blocking, and never two at once. Registration checks the state under the lock and
 * the winner snapshots children under the lock after its CAS, so a registration either lands in
 * the snapshot or sees CLOSING and fails: a child can never be orphaned.
 *
 * The close walk is CloseWalk, and a wait for another thread's close a CloseWaitTarget in the
 * global wait-for graph; their notes say why a walk hands itself to a fresh thread and how a
 * cycle through a closer is broken. Completion wakes waiters through WaitForGraph.wake(this).
 *
 * Lingering calls. A node can be CLOSED while a removed callback of its subtree still runs (a call
 * its closer did not wait for); finishClose records those slots in `lingering` before it
 * publishes CLOSED ([Published]), and every waiter waits for them: CloseWalk's notes.
 *
 * Leaks. bindOwner registers the owner with the shared Cleaner; the action holds only this node.
 * If the owner becomes unreachable while the node is OPEN, the action reports a LeakReport and
 * starts closeAsync() (the Cleaner's thread must never block on a callback). Closing cleans the
 * registration, so closed nodes leave nothing behind in the Cleaner.
 */
public final class Lifecycle implements AutoCloseable {
  /** The state of a node; it only moves forward. */
  public enum State {
    /** Accepting children, slots and resources. */
    OPEN,
    /** A close is in progress; registrations are refused. */
    CLOSING,
    /** Everything in the subtree is closed. */
    CLOSED
  }

  private static final VarHandle CLOSER;

  static {
    try {
      CLOSER = MethodHandles.lookup().findVarHandle(Lifecycle.class, "closer", Object.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static final Object CLOSED = new Object();
  private static final CallbackSlot<?>[] NO_SLOTS = NodeMembers.NO_SLOTS;
  private static final boolean PARANOID = "paranoid".equals(System.getProperty("dev.tether.leaks"));

  private final @Nullable Lifecycle parent;
  private final String name;

  /** Given at creation, or the parent's: the lane of the slots this node creates. */
  private final Delivery delivery;

  private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
  private final @Nullable Throwable creationSite;

  /** null: OPEN; a Thread: CLOSING by it; CLOSED: closed. */
  private volatile @Nullable Object closer;

  /** What the close failed with, or null; [Published]. */
  private @Nullable Throwable closeFailure;

  /**
   * Slots of the subtree whose removed callbacks were still running when the node became
   * CLOSED: calls its closers did not wait for (their own, or one whose wait broke a cycle).
   * Every later caller of close() waits for them. [Published].
   */
  CallbackSlot<?>[] lingering = NO_SLOTS;

  // These three: guarded by StripedLocks.of(this). They are not @GuardedBy: the lock is a stripe
  // chosen per node, and Error Prone's guard expressions can name only a field, `this` or a
  // class, so its check could not follow it.
  /** The children not yet closed; created with the first child. */
  private @Nullable ChildList childList;

  /** The slots and resources; created with the first, taken (set to null) by finishClose. */
  private @Nullable NodeMembers members;

  private Cleaner.@Nullable Cleanable ownerBinding;

  private Lifecycle(@Nullable Lifecycle parent, String name, Delivery delivery) {
    this.parent = parent;
    this.name = name;
    this.delivery = delivery;
    this.creationSite = PARANOID ? new Throwable("lifecycle created here") : null;
  }

  /**
   * Creates a root node.
   *
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is blank or contains {@code '/'}
   */
  public static Lifecycle root(String name) {
    return root(name, Delivery.inline());
  }

  /**
   * Creates a root node whose slots, and those of its subtree unless a child overrides it, are
   * delivered by {@code delivery}: with a serial lane, all callbacks of the tree run one at a
   * time, in event order.
   *
   * @throws NullPointerException if {@code name} or {@code delivery} is null
   * @throws IllegalArgumentException if {@code name} is blank or contains {@code '/'}
   */
  public static Lifecycle root(String name, Delivery delivery) {
    Objects.requireNonNull(delivery, "delivery");
    return new Lifecycle(null, checkName(name, null), delivery);
  }

  /**
   * Creates a child of this node; it is closed before this node's slots and resources, and
   * before every older sibling. It inherits this node's {@link #delivery()}: its slots share
   * this node's lane.
   *
   * @throws IllegalStateException naming the path if this node is closing or closed
   * @throws IllegalArgumentException naming the path if a child of that name is not yet closed:
   *     a path names one node, and a closed child's name may be used again
   */
  public Lifecycle child(String name) {
    return child(name, delivery);
  }

  /**
   * Creates a child of this node, as {@link #child(String)}, whose slots (and its subtree's,
   * unless overridden again) are delivered by {@code delivery} instead of this node's.
   *
   * @throws IllegalStateException naming the path if this node is closing or closed
   * @throws IllegalArgumentException naming the path if a child of that name is not yet closed
   */
  public Lifecycle child(String name, Delivery delivery) {
    Objects.requireNonNull(delivery, "delivery");
    Lifecycle child = new Lifecycle(this, checkName(name, this), delivery);
    ReentrantLock lock = StripedLocks.of(this);
    lock.lock();
    try {
      requireOpen("create child '" + name + "'");
      ChildList siblings = childList;
      if (siblings == null) {
        siblings = new ChildList();
        childList = siblings;
      }
      siblings.add(name, child, this);
    } finally {
      lock.unlock();
    }
    return child;
  }

  /**
   * Creates a slot owned by this node with the default policies and this node's
   * {@link #delivery()}; this node's close closes it. The slot is named with this node's path,
   * {@code path() + "/" + name}, so that its errors and logs say which node it belongs to.
   *
   * @throws IllegalStateException naming the path if this node is closing or closed
   */
  public <T extends @Nullable Object> CallbackSlot<T> slot(String name) {
    return register(CallbackSlot.<T>builder(name).build(delivery, this));
  }

  /**
   * Builds a slot from {@code builder} and makes this node its owner; it is named
   * {@code path() + "/" + builder.name()}. The slot is on this node's
   * {@link #delivery()} unless the builder chose one with {@link CallbackSlot.Builder#delivery}.
   *
   * @throws IllegalStateException naming the path if this node is closing or closed
   */
  public <T extends @Nullable Object> CallbackSlot<T> slot(CallbackSlot.Builder<T> builder) {
    return register(Objects.requireNonNull(builder, "builder").build(delivery, this));
  }

  /**
   * The delivery of the slots this node creates: given at creation, or inherited from the
   * parent; {@link Delivery#inline()} for a root created without one.
   */
  public Delivery delivery() {
    return delivery;
  }

  /**
   * Makes this node the owner of {@code resource}: it is closed after this node's children and
   * slots, in reverse order of registration. If this node is already closing or closed, closes
   * {@code resource} at once and then throws.
   *
   * @return {@code resource}
   * @throws IllegalStateException naming the path if this node is closing or closed (the
   *     resource has been closed; a failure of its close is attached as suppressed)
   */
  public <R extends AutoCloseable> R own(R resource) {
    Objects.requireNonNull(resource, "resource");
    ReentrantLock lock = StripedLocks.of(this);
    lock.lock();
    try {
      if (closer == null) {
        members().addResource(resource);
        return resource;
      }
    } finally {
      lock.unlock();
    }
    IllegalStateException refused =
        new IllegalStateException(
            "lifecycle '"
                + path()
                + "' is "
                + stateName()
                + ": cannot own "
                + LifecycleDiagnostics.describeResource(resource)
                + "; it has been closed");
    try {
      resource.close();
    } catch (Exception e) {
      refused.addSuppressed(e);
    }
    throw refused;
  }

  /**
   * Binds this node to {@code owner}, typically the user-facing object that this node stands
   * for. If {@code owner} is garbage collected while this node is still {@link State#OPEN}, the
   * program leaked it: Tether reports a {@link LeakReport} through {@code System.Logger}
   * {@code dev.tether.Lifecycle} at {@code WARNING} and to every listener added with
   * {@link #addLeakListener}, then closes the node asynchronously. {@code owner} is held weakly,
   * and must not be reachable from this node's callbacks, or it never becomes unreachable.
   *
   * @return this node
   * @throws IllegalStateException if an owner is already bound
   */
  public Lifecycle bindOwner(Object owner) {
    Objects.requireNonNull(owner, "owner");
    ReentrantLock lock = StripedLocks.of(this);
    lock.lock();
    try {
      if (ownerBinding != null) {
        throw new IllegalStateException("lifecycle '" + path() + "' already has an owner");
      }
      if (closer != null) {
        return this; // closing or closed: it can no longer leak, and must not pin a Cleaner entry
      }
      ownerBinding = TetherCleaner.register(owner, this::ownerCollected);
    } finally {
      lock.unlock();
    }
    return this;
  }

  /**
   * Adds a listener for leak reports of every node. Listeners run on Tether's cleaner thread and
   * must not block.
   *
   * @return closing it removes the listener
   */
  public static AutoCloseable addLeakListener(Consumer<? super LeakReport> listener) {
    Objects.requireNonNull(listener, "listener");
    return LifecycleDiagnostics.addLeakListener(listener);
  }

  /** The name given at creation. */
  public String name() {
    return name;
  }

  /** The names from the root to this node joined by {@code '/'}, e.g. {@code server/conn-42}. */
  public String path() {
    if (parent == null) {
      return name;
    }
    ArrayDeque<String> names = new ArrayDeque<>();
    for (Lifecycle node = this; node != null; node = node.parent) {
      names.addFirst(node.name);
    }
    return String.join("/", names);
  }

  /** The parent, or empty for a root. A closed node keeps its parent for {@link #path()}. */
  public Optional<Lifecycle> parent() {
    return Optional.ofNullable(parent);
  }

  /** A snapshot of the children not yet closed, oldest first. */
  public List<Lifecycle> children() {
    ReentrantLock lock = StripedLocks.of(this);
    lock.lock();
    try {
      ChildList siblings = childList;
      return siblings == null ? new ArrayList<>() : siblings.oldestFirst();
    } finally {
      lock.unlock();
    }
  }

  /** The state now; a snapshot. */
  public State state() {
    Object state = closer;
    return state == null ? State.OPEN : state == CLOSED ? State.CLOSED : State.CLOSING;
  }

  /**
   * Closes the subtree and returns when this node is {@link State#CLOSED}, except where waiting
   * would deadlock (see the class documentation). Idempotent; concurrent callers do no work twice
   * and each waits for the one close.
   *
   * @throws RuntimeException the first failure of the close, with the others suppressed
   *     (checked exceptions of owned resources are wrapped in {@link ResourceCloseException})
   */
  @Override
  public void close() {
    Thread self = Thread.currentThread();
    if (CLOSER.compareAndSet(this, null, self)) {
      CallbackDeadlockException lockCycle = CloseWalk.close(this);
      if (lockCycle != null) {
        throw lockCycle; // the close goes on, handed to another thread
      }
    } else {
      CloseWalk.awaitClosedBy(this, true);
    }
    CloseWalk.rethrow(failure());
  }

  /**
   * Starts closing the subtree on a new daemon thread and returns {@link #closeFuture()} at once.
   * The node is {@link State#CLOSING} when this returns (unless already closed), so
   * registrations are refused from then on. {@code closeAsync().get(timeout, unit)} bounds a
   * shutdown; when it times out, {@link #dump()} names what the close is stuck on.
   */
  public CompletableFuture<Void> closeAsync() {
    if (closer != null) {
      return closeFuture;
    }
    Thread closingThread =
        new Thread(
            () -> {
              CloseWalk.close(this); // a lock cycle is in closeFuture's failure
            },
            "tether-close-" + path());
    closingThread.setDaemon(true);
    if (CLOSER.compareAndSet(this, null, closingThread)) {
      try {
        closingThread.start();
      } catch (Throwable startFailed) { // e.g. no memory for a thread: close here, never hang
        CLOSER.setVolatile(this, Thread.currentThread());
        CloseWalk.close(this);
      }
    }
    return closeFuture;
  }

  /** Completes when this node is {@link State#CLOSED}; always the same instance. */
  public CompletableFuture<Void> closeFuture() {
    return closeFuture;
  }

  /**
   * The subtree as text, one node a line: path, state, slots; for a close in progress, the
   * closing thread and, when it is waiting, what it waits for: the slot, the thread running the
   * callback, and that thread's top stack frames: at least five, and on to the first frame
   * outside the JDK and Tether (the code that is stuck), at most 24.
   */
  public String dump() {
    return LifecycleDiagnostics.dump(this);
  }

  @Override
  public String toString() {
    return "Lifecycle[" + path() + ", " + state() + "]";
  }

  // ---- close ----

  /** Claims this node's close for {@code walker}: true if it was OPEN. For the close walk. */
  boolean claimClose(Thread walker) {
    return CLOSER.compareAndSet(this, null, walker);
  }

  /** Re-points this CLOSING node at {@code walker}, the thread the walk was handed to. */
  void handCloseTo(Thread walker) {
    CLOSER.setVolatile(this, walker); // waiters now wait for, and see the waits of, walker
  }

  /** Whether this node is CLOSED; a volatile read. */
  boolean closedNow() {
    return closer == CLOSED;
  }

  /**
   * Children closed, now slots, resources, CLOSED; returns this node's failure. Never throws: a
   * failure that escaped here would leave the node CLOSING forever and every waiter parked. When
   * this node is the one {@code walk} closes, the walk's event is recorded before CLOSED is
   * published, so whoever sees the node CLOSED (close() returning, closeFuture) finds it recorded.
   */
  @Nullable Throwable finishClose(
      @Nullable Throwable childFailure,
      List<CallbackSlot<?>> childrenLingering,
      @Nullable LifecycleCloseEvent walk) {
    NodeMembers owned;
    Cleaner.Cleanable binding;
    ReentrantLock lock = StripedLocks.of(this);
    lock.lock();
    try { // registrations are refused from CLOSING on: nothing is added after this
      owned = members;
      binding = ownerBinding;
      members = null;
      ownerBinding = null;
    } finally {
      lock.unlock();
    }
    Throwable failure = owned == null ? childFailure : owned.closeNewestFirst(childFailure, this);
    lingering = NodeMembers.stillRunning(owned, childrenLingering);
    if (walk != null) {
      try {
        CloseWalk.record(walk, this, failure);
      } catch (Throwable recordFailed) { // e.g. no memory: reported with the close, which goes on
        failure = CloseWalk.combine(failure, recordFailed);
      }
    }
    closeFailure = failure;
    CLOSER.setVolatile(this, CLOSED); // [Published]: closeFailure and lingering
    if (binding != null) {
      binding.clean(); // the action sees CLOSED and does nothing
    }
    detachFromParent();
    WaitForGraph.wake(this);
    if (failure == null) {
      closeFuture.complete(null);
    } else {
      closeFuture.completeExceptionally(failure);
    }
    return failure;
  }

  /** This node's close failure, once CLOSED; null before, or if it closed cleanly. */
  @Nullable Throwable failure() {
    return closer == CLOSED ? closeFailure : null; // [Published]
  }

  /** The children not yet closed, newest first; under StripedLocks.of(this). */
  Lifecycle[] childrenNewestFirst() {
    ChildList siblings = childList;
    return siblings == null ? new Lifecycle[0] : siblings.newestFirst();
  }

  /** The lingering slots of children that detached; under StripedLocks.of(this). */
  CallbackSlot<?>[] detachedLingering() {
    ChildList siblings = childList;
    return siblings == null ? NO_SLOTS : siblings.detachedLingering();
  }

  private void detachFromParent() {
    Lifecycle from = parent;
    if (from == null) {
      return;
    }
    ReentrantLock lock = StripedLocks.of(from);
    lock.lock();
    try {
      ChildList siblings = from.childList;
      if (siblings != null) { // never null: this node was linked at creation
        siblings.remove(name, this, lingering); // lingering: written by this thread
      }
    } finally {
      lock.unlock();
    }
  }

  // ---- registration helpers ----

  private <T extends @Nullable Object> CallbackSlot<T> register(CallbackSlot<T> slot) {
    ReentrantLock lock = StripedLocks.of(this);
    lock.lock();
    try {
      requireOpen("create slot '" + slot.name() + "'");
      members().addSlot(slot);
    } finally {
      lock.unlock();
    }
    return slot;
  }

  /** Under the lock. */
  private void requireOpen(String action) {
    if (closer != null) {
      throw new IllegalStateException(
          "lifecycle '" + path() + "' is " + stateName() + ": cannot " + action);
    }
  }

  private String stateName() {
    return state().name().toLowerCase(java.util.Locale.ROOT);
  }

  /** This node's slots and resources, created with the first; under the lock, while OPEN. */
  private NodeMembers members() {
    NodeMembers owned = members;
    if (owned == null) {
      owned = new NodeMembers();
      members = owned;
    }
    return owned;
  }

  private static String checkName(String name, @Nullable Lifecycle parent) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank() || name.indexOf('/') >= 0) {
      String where = parent == null ? "" : " (child of '" + parent.path() + "')";
      throw new IllegalArgumentException(
          "lifecycle name must be non-blank and must not contain '/', was '" + name + "'" + where);
    }
    return name;
  }

  // ---- leaks and dumps ----

  private void ownerCollected() {
    if (closer != null) {
      return; // closed, or being closed: not a leak
    }
    LifecycleDiagnostics.reportLeak(path(), creationSite);
    CompletableFuture<Void> unused = closeAsync(); // failures go to closeFuture's observers
  }

  /** The thread closing this node, or null if it is OPEN or CLOSED; a volatile read. */
  @Nullable Thread closingThread() {
    Object state = closer;
    return state instanceof Thread thread ? thread : null;
  }

  /** The parent, or null for a root. */
  @Nullable Lifecycle parentNode() {
    return parent;
  }

  /** A snapshot of the slots this node has created and not yet closed. */
  CallbackSlot<?>[] slotsSnapshot() {
    ReentrantLock lock = StripedLocks.of(this);
    lock.lock();
    try {
      NodeMembers owned = members;
      return owned == null ? NO_SLOTS : owned.slotsSnapshot();
    } finally {
      lock.unlock();
    }
  }
}
