package dev.tether;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Naive lifecycle-node designs that the jcstress canaries ({@code Broken*} variants of the
 * {@code Lifecycle*Stress} harnesses) drive in place of {@link Lifecycle}. A {@link Node} closes
 * like a {@code Lifecycle} (children newest first, then slots, then resources, then CLOSED), with
 * at most one {@link Flaw} of its own; the other canaries get their flaw from the naive slots of
 * {@link NaiveSlots} that the node resets. A harness is trusted only because its canary is
 * observed failing.
 *
 * <p>Every wait here is bounded by {@link NaiveSlots#HANG_NANOS}: a wait that would deadlock
 * throws {@link NaiveSlots.Hang} instead of blocking forever, and the harness records it as a
 * FORBIDDEN "hang" sentinel outcome. A bounded wait may also time out when the scheduler
 * deschedules the awaited thread for longer than the bound; that too is reported as a hang, which
 * is harmless in a canary that must fail anyway.
 */
final class NaiveLifecycles {
  /** {@link Lifecycle.State} ordinals, which the harnesses report. */
  static final int OPEN = 0;

  static final int CLOSING = 1;
  static final int CLOSED = 2;

  /**
   * Pause instructions inside a check-then-act window (between the check and the act). The window
   * exists without this spin; widening it lets a short CI run catch the race in every JVM
   * configuration instead of a few times per million samples.
   */
  static final int CHECK_WINDOW_SPIN = 200;

  private NaiveLifecycles() {}

  /** The one thing a {@link Node} gets wrong; {@link #NONE} when the flaw is in its slots. */
  enum Flaw {
    /** Closes correctly: one winner by CAS does the work, every loser waits (bounded) for it. */
    NONE,
    /**
     * A losing {@code close()} returns at once ("someone else is closing it"), before the winner
     * has finished: the libdatachannel PR 1384 bug.
     */
    LOSER_RETURNS,
    /**
     * {@code if (state == OPEN) { state = CLOSING; close everything }} with a plain read and a
     * plain write instead of one CAS: two callers can both see OPEN and both close everything.
     */
    CHECK_THEN_ACT,
    /**
     * {@code child()} checks "open?" before taking the lock and adds the child under the lock
     * without checking again, so a child can be added after the closing parent took its snapshot
     * of children: it is left OPEN, orphaned.
     */
    CHECK_OUTSIDE_LOCK
  }

  /**
   * A naive lifecycle node. Slots are registered as their reset actions (so that any slot of
   * {@link NaiveSlots} can be owned), resources as {@code Runnable}s.
   */
  static final class Node {
    private final Flaw flaw;
    private final AtomicInteger state = new AtomicInteger(OPEN);
    private final ReentrantLock lock = new ReentrantLock(); // never held while blocking
    private final List<Node> children = new ArrayList<>(); // guarded by lock
    private final List<Runnable> slotResets = new ArrayList<>(); // guarded by lock
    private final List<Runnable> resources = new ArrayList<>(); // guarded by lock

    Node(Flaw flaw) {
      this.flaw = flaw;
    }

    /** {@link #OPEN}, {@link #CLOSING} or {@link #CLOSED}. */
    int state() {
      return state.get();
    }

    /** Registers a slot by its reset action; the close calls it, newest slot first. */
    void slot(Runnable reset) {
      lock.lock();
      try {
        requireOpen();
        slotResets.add(reset);
      } finally {
        lock.unlock();
      }
    }

    /** Owns a resource; the close runs it, newest first, after the slots. */
    void own(Runnable close) {
      lock.lock();
      try {
        requireOpen();
        resources.add(close);
      } finally {
        lock.unlock();
      }
    }

    /**
     * Creates a child (a correct node), or throws {@code IllegalStateException} if this node is
     * not open; with {@link Flaw#CHECK_OUTSIDE_LOCK} the check is made before the lock.
     */
    Node child() {
      Node child = new Node(Flaw.NONE);
      if (flaw == Flaw.CHECK_OUTSIDE_LOCK) {
        requireOpen(); // the bug: checked outside the lock, not checked again under it
        NaiveSlots.spin(CHECK_WINDOW_SPIN);
        lock.lock();
        try {
          children.add(child);
        } finally {
          lock.unlock();
        }
        return child;
      }
      lock.lock();
      try {
        requireOpen();
        children.add(child);
      } finally {
        lock.unlock();
      }
      return child;
    }

    /**
     * Closes the node; see {@link Flaw} for how each design goes wrong.
     *
     * @throws NaiveSlots.Hang when a bounded wait (a loser's wait for the winner, or a naive
     *     slot's wait) times out: the design would have hung
     */
    void close() {
      if (flaw == Flaw.CHECK_THEN_ACT) {
        if (state.get() == OPEN) {
          NaiveSlots.spin(CHECK_WINDOW_SPIN); // the bug: check, then act, not one CAS
          state.set(CLOSING);
          closeContents();
          state.set(CLOSED);
          return;
        }
      } else if (state.compareAndSet(OPEN, CLOSING)) {
        closeContents();
        state.set(CLOSED);
        return;
      }
      if (flaw == Flaw.LOSER_RETURNS) {
        return; // the bug: the loser does not wait for the winner to finish
      }
      NaiveSlots.awaitBounded(() -> state.get() == CLOSED);
    }

    private void closeContents() {
      List<Node> ownChildren;
      List<Runnable> ownSlots;
      List<Runnable> ownResources;
      lock.lock();
      try {
        ownChildren = new ArrayList<>(children);
        ownSlots = new ArrayList<>(slotResets);
        ownResources = new ArrayList<>(resources);
      } finally {
        lock.unlock();
      }
      for (int i = ownChildren.size() - 1; i >= 0; i--) {
        ownChildren.get(i).close();
      }
      for (int i = ownSlots.size() - 1; i >= 0; i--) {
        ownSlots.get(i).run();
      }
      for (int i = ownResources.size() - 1; i >= 0; i--) {
        ownResources.get(i).run();
      }
    }

    private void requireOpen() {
      if (state.get() != OPEN) {
        throw new IllegalStateException("naive lifecycle is closing or closed");
      }
    }
  }
}
