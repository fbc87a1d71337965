package dev.tether;

import dev.tether.internal.LockCycle;
import dev.tether.internal.Quiescible;
import dev.tether.internal.WaitForGraph;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * How a remover of a {@link CallbackSlot}'s callback ({@code reset}, {@code set}, {@code close},
 * a lifecycle's close) waits for the calls of removed callbacks still running on other threads.
 * Part of the slot, in a file of its own; it holds no state.
 */
/*
 * Implementation notes
 *
 * Called after the removal. A remover snapshots the removed registrations still running (marks
 * that are not the current registration) and waits until no other thread runs any of them.
 * Snapshotting "every removed registration running now" rather than only "the one I removed"
 * makes a losing concurrent reset(), and a second close(), wait for the winner's removal: every
 * caller returns only when nothing removed is running. Snapshotting rather than re-evaluating
 * "not current" keeps the set of blockers shrinking: a registration installed and removed after
 * the wait began is not waited for, so a wait ends under any amount of set/invoke churn.
 *
 * The scan has no side effects; only when a foreign mark remains does a remover build a wait
 * target and enter WaitForGraph, the slow path that parks, detects wait cycles exactly and probes
 * user locks (see its notes). Its own marks are excluded from its blockers: that is the reentrant
 * reset.
 */
final class SlotQuiescence {
  private SlotQuiescence() {}

  /**
   * The removed registrations of {@code slot} that some thread other than {@code excluded} is
   * running now, or null if none. By [Dekker] (InFlight) every call of a removed registration
   * that will ever run has its mark visible here, so this snapshot is the complete set to wait
   * for, and it can only shrink. A registration removed later (by a concurrent set or reset) is
   * not in it: a waiter never waits for calls that began after it.
   */
  static @Nullable List<Registration<?>> removedRunning(
      CallbackSlot<?> slot, @Nullable Thread excluded) {
    Registration<?> installed = slot.installed();
    InFlight marks = slot.inFlightIfCreated(); // [Dekker]: created before any mark in it
    return marks == null ? null : marks.marksOtherThan(installed, excluded);
  }

  /**
   * Waits until no removed callback of {@code slot} runs on another thread, giving the wait up
   * only as {@link CallbackSlot#reset()} documents.
   *
   * @throws CallbackDeadlockException if a removed callback is blocked on a lock this thread holds
   */
  static void await(CallbackSlot<?> slot) {
    List<Registration<?>> removed = removedRunning(slot, Thread.currentThread());
    if (removed == null) {
      return;
    }
    LockCycle cycle = WaitForGraph.await(target(slot, removed));
    if (cycle != null) {
      throw new CallbackDeadlockException(
          slot.name(), "a callback of slot '" + slot.name() + "'", Thread.currentThread(), cycle);
    }
  }

  /** As {@link #await}, but never gives the wait up (WaitForGraph.awaitOutsideCallbacks). */
  static void awaitOutsideCallbacks(CallbackSlot<?> slot) {
    List<Registration<?>> removed = removedRunning(slot, Thread.currentThread());
    if (removed != null) {
      WaitForGraph.awaitOutsideCallbacks(target(slot, removed));
    }
  }

  /** Completes when no removed callback of {@code slot} runs on any thread, this one included. */
  static CompletableFuture<Void> awaitAsync(CallbackSlot<?> slot) {
    List<Registration<?>> removed = removedRunning(slot, null);
    return removed == null
        ? CompletableFuture.completedFuture(null)
        : WaitForGraph.awaitAsync(target(slot, removed));
  }

  /** A wait for {@code removed}, as the waiting machinery sees it; made only on the slow path. */
  private static Quiescible target(CallbackSlot<?> slot, List<Registration<?>> removed) {
    InFlight marks = Objects.requireNonNull(slot.inFlightIfCreated()); // a mark was found in it
    return marks.waitTarget(removed, slot.name(), slot);
  }
}
