package dev.tether;

import dev.tether.internal.LockCycle;
import dev.tether.internal.StripedLocks;
import dev.tether.internal.WaitForGraph;
import dev.tether.internal.events.LifecycleCloseEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The close walk of a {@link Lifecycle} subtree: iterative, post-order, children newest first.
 * Runs on the thread that claimed the subtree's root, or on the fresh daemon thread it was handed
 * to; the notes below say why a hand-off is needed and why that thread never gives up a wait.
 * Holds no lock while it waits or runs user code.
 */
/*
 * Implementation notes
 *
 * The walk is iterative (an explicit stack of frames), post-order, so a deep tree cannot overflow
 * the thread's stack. For each child, in reverse creation order: claim it (CAS) and descend, or,
 * if another thread is closing it, wait for that close to finish before going on. If that wait
 * must be skipped (a wait-for cycle, or a lock cycle), the walker may not wait, but no ancestor
 * may become CLOSED before the child either: the rest of the walk is handed to a fresh daemon
 * thread, and every node on the walk's stack is re-pointed to it so waiters' edges stay exact.
 * That thread is inside no callback and holds no lock while it waits, so its waits for children
 * are never given up (WaitForGraph.awaitOutsideCallbacks): nothing waits for a callback to return
 * on it, so its giving up could not break a cycle, and a hand-off thread that could skip would
 * hand over again without end. Another member of the cycle (one inside a callback, or, in a cycle
 * made only of closers, the child's closer) finds the cycle on its next re-check and gives up
 * instead. finishClose never throws; a VirtualMachineError is rethrown only after every node of
 * the walk is CLOSED.
 *
 * Lingering calls. A closer does not wait for its own call (a close from inside a callback), nor,
 * when it is inside a callback, for a call whose wait it gave up to break a cycle; so a node can
 * be CLOSED while a removed callback of its subtree still runs. finishClose records those slots
 * in the node's `lingering` (its own, slots given to own(), and its closed children's still
 * running) before it publishes CLOSED ([Published], Lifecycle), and every waiter that sees CLOSED,
 * awaitClosedBy, then waits for them under the slot's rules (its own call excluded). A child that
 * detaches with lingering slots hands them to its parent's ChildList; a Frame snapshots the
 * children and those slots under one acquisition of the parent's lock, so the walk sees each
 * closed child either as a child or through those slots, and waits for its calls before closing
 * the parent's own slots. Invariant: a close() that returns after waiting, and a walk that goes
 * past a child closed by another thread, has seen no removed callback of that subtree running on
 * another thread, unless its own wait was the one given up to break a cycle.
 *
 * History (the hand-off thread that skipped): docs/design-notes.md.
 */
final class CloseWalk {
  private CloseWalk() {}

  /**
   * Closes {@code root}'s subtree; the caller's thread has claimed {@code root}.
   *
   * @return the lock cycle for which the walk had to be handed to another thread, or null
   */
  static @Nullable CallbackDeadlockException close(Lifecycle root) {
    ArrayDeque<Frame> stack = new ArrayDeque<>();
    stack.push(new Frame(root));
    return walk(stack, null);
  }

  /** One node of the close walk: its children to visit, newest first, and failures so far. */
  static final class Frame {
    final Lifecycle node;
    final Lifecycle[] children;

    /** Lingering slots of children that had detached before the walk: waited for last. */
    final CallbackSlot<?>[] detachedLingering;

    int next;
    @Nullable Throwable failure;

    /** Slots of closed children whose removed callbacks may still run; see {@code lingering}. */
    final List<CallbackSlot<?>> childrenLingering = new ArrayList<>(0);

    Frame(Lifecycle node) {
      this.node = node;
      ReentrantLock lock = StripedLocks.of(node);
      lock.lock();
      try { // one snapshot: a child is either still linked or its lingering slots are here
        this.children = node.childrenNewestFirst();
        this.detachedLingering = node.detachedLingering();
      } finally {
        lock.unlock();
      }
    }

    void fail(Throwable t) {
      failure = combine(failure, t);
    }
  }

  /**
   * The close walk, post-order over {@code stack}. If {@code pending} is set, this thread is a
   * fresh one the walk was handed to: it first waits for that child, and it never skips a wait.
   *
   * @return the lock cycle for which the rest of the walk was handed to another thread, for the
   *     caller of close() to throw (rule 1c); null otherwise
   */
  static @Nullable CallbackDeadlockException walk(
      ArrayDeque<Frame> stack, @Nullable Lifecycle pending) {
    LifecycleCloseEvent event = new LifecycleCloseEvent();
    event.begin();
    Lifecycle walked = stack.getLast().node; // the bottom frame: the node the walk closes
    try {
      return walkRecorded(stack, pending, event);
    } finally {
      if (!event.recorded) { // handed over, or ended by an exception before its last node
        record(event, walked, null);
      }
    }
  }

  /**
   * Ends and commits {@code event}, the walk of {@code walked}, if it passes the recording's
   * threshold: by the walk's last finishClose before it publishes CLOSED (a closeAsync() caller
   * that stops its recording when closeFuture completes finds the walk in it), else by the walk
   * when it hands over or ends early.
   */
  static void record(
      LifecycleCloseEvent event, Lifecycle walked, @Nullable Throwable walkedFailure) {
    event.recorded = true;
    if (walkedFailure != null) { // the walked node's failure holds all the others
      event.failures = 1 + walkedFailure.getSuppressed().length;
    }
    event.end();
    if (event.shouldCommit()) {
      event.target = walked.path();
      event.commit();
    }
  }

  /** {@link #walk}, counting what it closes in {@code event}. */
  private static @Nullable CallbackDeadlockException walkRecorded(
      ArrayDeque<Frame> stack, @Nullable Lifecycle pending, LifecycleCloseEvent event) {
    boolean handedOver = pending != null;
    Thread self = Thread.currentThread();
    @Nullable VirtualMachineError fatal = null;
    @Nullable Lifecycle waitFor = pending;
    while (!stack.isEmpty()) {
      Frame top = stack.peek();
      Lifecycle child = waitFor;
      waitFor = null;
      if (child == null && top.next < top.children.length) {
        child = top.children[top.next++];
        if (child.claimClose(self)) {
          stack.push(new Frame(child));
          continue;
        }
      }
      if (child != null) {
        CallbackDeadlockException lockCycle = null;
        try {
          awaitClosedBy(child, !handedOver);
        } catch (CallbackDeadlockException e) {
          lockCycle = e;
          top.fail(e);
        }
        if (!child.closedNow()) {
          // The wait was skipped (it would have closed a wait-for cycle, or deadlocked on a
          // lock): this thread must not wait, yet no ancestor may be CLOSED before the child.
          // Hand the rest of the walk to a fresh thread, which is inside no callback and waits
          // without skipping, so that another member of the cycle skips instead (a fresh
          // thread that skipped too would hand over again, forever).
          handOff(stack, child);
          event.handedOver = true;
          if (fatal != null) {
            throw fatal; // as before the hand-off returned a lock cycle: an Error comes first
          }
          return lockCycle;
        }
        Throwable childFailure = child.failure();
        if (childFailure != null) {
          top.fail(childFailure);
        }
        Collections.addAll(top.childrenLingering, child.lingering); // [Published], Lifecycle
        continue;
      }
      for (CallbackSlot<?> slot : top.detachedLingering) {
        try {
          slot.awaitRemovedCalls(!handedOver);
        } catch (CallbackDeadlockException e) {
          top.fail(e);
        }
        top.childrenLingering.add(slot); // finishClose keeps it if its wait was given up
      }
      stack.pop();
      event.nodesClosed++; // counted before finishClose, which records the event at the last
      Throwable failure =
          top.node.finishClose(top.failure, top.childrenLingering, stack.isEmpty() ? event : null);
      if (failure instanceof VirtualMachineError vmError && fatal == null) {
        fatal = vmError;
      }
      if (!stack.isEmpty()) {
        Frame parent = stack.peek();
        if (failure != null) {
          parent.fail(failure);
        }
        Collections.addAll(parent.childrenLingering, top.node.lingering);
      }
    }
    if (fatal != null) {
      throw fatal; // after every node of the walk is CLOSED: nothing is left CLOSING
    }
    return null;
  }

  /** Continues {@code stack}'s walk on a new daemon thread, which first waits for {@code child}. */
  private static void handOff(ArrayDeque<Frame> stack, Lifecycle child) {
    Thread next =
        new Thread(() -> walk(stack, child), "tether-close-" + stack.peekLast().node.path());
    next.setDaemon(true);
    for (Frame frame : stack) {
      frame.node.handCloseTo(next);
    }
    next.start();
  }

  /** Throws {@code failure}, a close's failure, if it is not null. */
  static void rethrow(@Nullable Throwable failure) {
    if (failure instanceof RuntimeException runtimeException) {
      throw runtimeException;
    }
    if (failure instanceof Error error) {
      throw error;
    }
    if (failure != null) {
      throw new IllegalStateException(failure); // unreachable: checked failures are wrapped
    }
  }

  static Throwable combine(@Nullable Throwable first, Throwable next) {
    if (first == null) {
      return next;
    }
    if (first != next) {
      first.addSuppressed(next);
    }
    return first;
  }

  /**
   * Waits until {@code node} is CLOSED, unless {@code mayBreakCycles} and the wait would close a
   * wait-for cycle or a lock cycle; a thread inside no callback passes false and never gives up
   * ({@link WaitForGraph#awaitOutsideCallbacks}).
   *
   * @throws CallbackDeadlockException if a thread the wait depends on is blocked on a lock that
   *     this thread holds ({@code mayBreakCycles} only)
   */
  static void awaitClosedBy(Lifecycle node, boolean mayBreakCycles) {
    if (!node.closedNow()) {
      if (!mayBreakCycles) {
        WaitForGraph.awaitOutsideCallbacks(new CloseWaitTarget(node));
      } else {
        LockCycle cycle = WaitForGraph.await(new CloseWaitTarget(node));
        if (cycle != null) {
          String path = node.path();
          throw new CallbackDeadlockException(
              path, "the close of lifecycle '" + path + "'", Thread.currentThread(), cycle);
        }
      }
    }
    if (node.closedNow()) {
      // CLOSED, but a call its closer did not wait for may still run: wait for it as the
      // slot's own close would, under the same rules (a call of this thread is not waited for).
      for (CallbackSlot<?> slot : node.lingering) { // [Published], Lifecycle
        slot.awaitRemovedCalls(mayBreakCycles);
      }
    }
  }
}
