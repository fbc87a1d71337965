package dev.tether;

import dev.tether.internal.Quiescible;
import java.util.Collection;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Lifecycle}'s close as the waiting machinery sees it: blocked by the closing thread.
 * Made only on the slow path of a wait for another thread's close. Immutable; takes no lock (it
 * reads the node's volatile state and final parent links).
 */
/*
 * Implementation notes
 *
 * Waiting for another closer is a wait in the global wait-for graph (WaitForGraph): the target's
 * blockers are {the closing thread} until CLOSED, and the closer is not waited for as a callback's
 * runner (waitsForCallbacks is false), so a cycle through it is broken at a member inside a
 * callback (rules B1-B4 there); the target encloses the slots of the node's subtree, so a listener
 * of that subtree whose losing close closes a cycle is the member that does not wait (B1). The
 * node's finishClose wakes waiters through WaitForGraph.wake(node), whose identity() this is.
 */
final class CloseWaitTarget implements Quiescible {
  private final Lifecycle node;

  CloseWaitTarget(Lifecycle node) {
    this.node = node;
  }

  @Override
  public void collectBlockers(
      @Nullable Thread excluded, Collection<Thread> out, boolean requestWake) {
    Thread closing = node.closingThread();
    if (closing != null && closing != excluded) {
      out.add(closing);
    }
  }

  @Override
  public boolean waitsForCallbacks() {
    return false; // the closing thread is waited for as a closer, not as a callback's runner
  }

  @Override
  public boolean encloses(Quiescible other) {
    // The graph asks only about targets that wait for callbacks: slots.
    Object waitedOn = other.identity();
    Lifecycle ancestor =
        waitedOn instanceof CallbackSlot ? ((CallbackSlot<?>) waitedOn).owner() : null;
    for (; ancestor != null; ancestor = ancestor.parentNode()) {
      if (ancestor == node) {
        return true; // a callback of this subtree
      }
    }
    return false;
  }

  @Override
  public String describe() {
    return "the close of lifecycle '" + node.path() + "'";
  }

  @Override
  public String targetName() {
    return node.path();
  }

  @Override
  public Object identity() {
    return node;
  }
}
