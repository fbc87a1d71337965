package dev.tether;

import dev.tether.internal.Quiescible;
import java.util.Collection;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Lifecycle}'s close as the waiting machinery sees it: blocked by the closing thread.
 * Made only on the slow path of a wait for another thread's close.
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
