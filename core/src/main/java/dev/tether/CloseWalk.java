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
 * to; see Lifecycle's implementation notes for why a hand-off is needed and why that thread never
 * gives up a wait.
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
        this.detachedLingering = node.detachedLingering;
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
      event.end();
      if (event.shouldCommit()) {
        event.target = walked.path();
        event.commit();
      }
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
      Throwable failure = top.node.finishClose(top.failure, top.childrenLingering);
      event.nodesClosed++;
      if (stack.isEmpty() && failure != null) { // the walked node's failure holds all the others
        event.failures = 1 + failure.getSuppressed().length;
      }
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
