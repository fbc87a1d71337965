package dev.tether.internal;

import static java.util.Objects.requireNonNull;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.tether.internal.events.SlotWaitEvent;
import dev.tether.internal.events.WaitCycleSkippedEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * The waiting path of every Tether wait: parks until a {@link Quiescible} has no removed callback
 * running, except where waiting would deadlock.
 *
 * <p>All public methods are static and thread-safe; they act on the one current graph.
 */
/*
 * Implementation notes
 *
 * The wait-for graph. Nodes are threads; a thread parked in await(target) has an edge to every
 * other thread that target.collectBlockers reports: for a slot, each thread still running a
 * removed callback of it (the edge's head is inside a callback); for a lifecycle's close, its
 * closing thread (the head is a closer). No thread has any other edge.
 * Edges are not stored: they are recomputed from the targets' in-flight marks whenever needed,
 * so they are never stale in the direction that matters (see below). waiting maps each parked
 * thread to its target and is guarded by lock, a single global lock taken only on this slow
 * path, never while user code runs.
 *
 * Why the graph is an instance. The lock and the maps are fields of one WaitForGraph held in the
 * static `current`, not static fields, for one reason: Lincheck's model checker (a test
 * dependency) cannot explore contention on a java.util.concurrent lock it did not see created as
 * part of the test object; on a lock created in a static initializer every run hangs. A Lincheck
 * test calls replaceForTesting() when its test object is constructed and keeps the returned graph
 * in a field, so each checked scenario runs on a graph reachable from the test object. In
 * production there is exactly one graph for the life of the JVM, and every static method reads
 * `current` once and works on that graph throughout, so a wait registers, parks and unregisters
 * on one graph. An AsyncWait keeps the graph it was created on.
 *
 * Registering and checking are one critical section. A thread about to wait takes lock, computes
 * its blockers, and searches from them for a path back to itself through the edges of the other
 * registered waiters. If there is one, waiting would close a cycle, and exactly one member of
 * the cycle gives up its wait, chosen under lock by these rules (memberToRelease):
 *   B1. A member that is waited for as the runner of a callback (its predecessor waits on a slot
 *       whose removed callback it runs: Quiescible.waitsForCallbacks) and that waits on
 *       something enclosing that callback (the same slot, or a lifecycle whose subtree owns the
 *       slot: Quiescible.encloses). Its giving up is the reentrant rule: a close from inside the
 *       node's own callback does not wait for its own call.
 *   B2. Else the arriving thread, if it is waited for as a callback's runner.
 *   B3. Else the first member, in wait order from the arriving thread, waited for as a
 *       callback's runner.
 *   B4. Else (a cycle made only of closers: a resource's close() that closes an ancestor) the
 *       arriving thread.
 * A member that waits with mayBreakCycles false (awaitOutsideCallbacks) is never chosen by
 * B1-B3. So a thread inside no callback (it cannot be waited for as a callback's runner) gives
 * up a wait only in a cycle made only of closers; whenever a cycle has a member that another
 * member waits for as a callback's runner, such a member gives up, whichever thread's arrival
 * closed the cycle. (The graph knows a thread is inside a callback only through such an edge:
 * a cycle of closer edges whose members happen to run callbacks is broken under B4.) If the member is
 * the arriving thread, it does not register and returns at once. Otherwise the arriving thread
 * releases the member: it removes the member's registration (so its edges leave the graph in the
 * same critical section) and searches again, since its wait may close another cycle; once no
 * cycle is left it records the members in `released` and unparks them, and each returns on its
 * next wake-up, before it looks at its blockers or probes locks. If instead a later cycle
 * chooses the arriving thread, the members chosen before are put back: its giving up alone
 * breaks every cycle through its wait. Because the check and the registration are atomic, of two threads
 * closing a cycle at the same moment the second always sees the first, and exactly one member
 * gives up: a waiter that gives up (chosen, released, or no blockers left) leaves the graph in
 * the same critical section in which that was decided.
 *
 * Why the edges read under lock are sound. A waiting thread is parked, so its own marks are
 * frozen; the marks of the threads it waits for can only disappear (no new call of a removed
 * callback starts, which Quiescible demands). A thread's mark and its registration as a waiter
 * are ordered by its program order, and lock's release/acquire makes the registration, and
 * everything before it, visible to the next checker. The only staleness left is a blocker whose
 * call has just ended but whose cleared mark is not yet visible; such a thread is not parked here,
 * so it has no outgoing edges and cannot close a cycle. A false cycle would need a stale edge out
 * of a parked thread, and those edges are recomputed under lock.
 *
 * Wakeups ([Wake], InFlight). The hot path clears its mark with a release store and then reads
 * a per-record wake flag; it deliberately pays no second full fence, so a wakeup can be lost in
 * the store-buffer window. Every park is therefore timed (exponential back-off from MIN_PARK to MAX_PARK), which
 * bounds the cost of a lost wakeup, and each wake-up re-checks everything under lock.
 *
 * User locks. After LOCK_PROBE_GRACE, and then at doubling intervals, the waiter asks
 * LockOwnerProbe whether one of its blockers is blocked on a lock that leads back to it; a cycle
 * seen on two consecutive probes is returned as a LockCycle for the caller to throw.
 *
 * Interrupts. Waiting is uninterruptible: an interrupt is remembered and restored on return.
 *
 * Reports. Between its timed parks a waiter hands its latest blockers to its StallWatch, which
 * logs a stall report once the wait has outlasted the threshold (no thread is started for it);
 * a slot wait is a dev.tether.SlotWait duration event, and every member that gives up its wait
 * to break a cycle is a dev.tether.WaitCycleSkipped event, committed under lock once the choice
 * is final (a JFR commit only writes to a thread-local buffer: it never blocks).
 */
public final class WaitForGraph {
  static final long MIN_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(20);
  static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  static final long LOCK_PROBE_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  static final long MAX_PROBE_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** The graph every static method acts on; replaced only by tests. */
  private static volatile WaitForGraph current = new WaitForGraph();

  private static final AtomicLong SKIPPED_CYCLES = new AtomicLong();

  private final GraphMutex lock = new GraphMutex();

  /** Every thread parked in await, and what it waits for. */
  @GuardedBy("lock")
  private final Map<Thread, Waiter> waiting = new HashMap<>();

  /**
   * Waiters whose wait was given up by another member of their cycle (rules B1 and B3); each
   * returns on its next wake-up and removes itself.
   */
  @GuardedBy("lock")
  private final Set<Thread> released = new HashSet<>();

  /** Canaries only: the pre-0.1 rule, where the thread whose wait closes a cycle gives up. */
  private volatile boolean breakAtArrival;

  /** Pending asynchronous waits. */
  @GuardedBy("lock")
  private final List<AsyncWait> asyncWaits = new ArrayList<>();

  private WaitForGraph() {}

  /**
   * Tests only: installs a fresh graph; waits in progress on the old graph are unaffected.
   * Threads that start waiting afterwards no longer see the old graph's waiters, so a cycle
   * through both graphs would go undetected; call it only when no wait is in progress.
   *
   * <p>Package-private: tests reach it through a test-side accessor in this package.
   *
   * @return the new graph, for a model-checking test to keep in a field of its test object
   */
  static WaitForGraph replaceForTesting() {
    WaitForGraph fresh = new WaitForGraph();
    current = fresh;
    return fresh;
  }

  /**
   * Canaries only: makes this graph break every cycle at the thread whose wait closes it, the
   * rule before rules B1 to B3, under which a thread inside no callback could give up its wait
   * while a callback it waited for still ran. A jcstress canary installs it to show that its
   * harness catches exactly that.
   *
   * @return this graph
   */
  WaitForGraph breakCyclesAtArrivalForTesting() {
    breakAtArrival = true;
    return this;
  }

  /**
   * Waits until {@code target} has no removed callback running on a thread other than the
   * caller, or until the caller is the member of a cycle of waits whose wait is given up (rules
   * B1 to B4 of the class notes): at once, if the caller's own wait closes the cycle, or on its
   * next wake-up, if another member's arrival closed it and released the caller.
   *
   * @return {@code null} when the wait ended (or was skipped to break a cycle); a lock cycle when
   *     a blocker is blocked on a lock that the caller holds, directly or through other waiters
   */
  public static @Nullable LockCycle await(Quiescible target) {
    return current.awaitOn(target, true);
  }

  /**
   * As {@link #await}, but never given up: neither skipped for a wait-for cycle nor ended by a
   * lock cycle. For a thread that runs inside no callback and holds no lock while it waits, such
   * as the fresh thread a close walk is handed to: nothing can be waiting for a callback to
   * return on it, nor for a lock it holds, so its giving up could never break a cycle through
   * it. The cycle's other members, which re-check on every wake-up, find it (this thread is
   * registered as waiting), and one of them gives up instead. Giving up here would only hand the
   * wait on again. Returns once {@code target} has no removed callback running on another thread.
   */
  public static void awaitOutsideCallbacks(Quiescible target) {
    current.awaitOn(target, false);
  }

  private @Nullable LockCycle awaitOn(Quiescible target, boolean mayBreakCycles) {
    Thread self = Thread.currentThread();
    Waiter me = new Waiter(target, mayBreakCycles);
    List<Thread> blockers = new ArrayList<>();
    boolean interrupted = false;
    long parkNanos = MIN_PARK_NANOS;
    long probeInterval = LOCK_PROBE_GRACE_NANOS;
    long started = System.nanoTime();
    long nextProbe = started + probeInterval;
    StallWatch stall = new StallWatch(started);
    SlotWaitEvent event = new SlotWaitEvent();
    event.begin();
    String outcome = "returned";
    @Nullable String firstBlockers = null;
    @Nullable LockCycle suspected = null;
    try {
      for (; ; ) {
        lock.lock();
        try {
          if (released.remove(self)) {
            outcome = "released";
            return null; // another member broke our cycle here (B1 or B3); it unregistered us
          }
          blockers.clear();
          target.collectBlockers(self, blockers, true);
          if (blockers.isEmpty()) {
            waiting.remove(self);
            return null;
          }
          if (mayBreakCycles && breakCyclesThrough(self, me, blockers)) {
            waiting.remove(self);
            outcome = "skipped";
            return null;
          }
          waiting.put(self, me);
        } finally {
          lock.unlock();
        }
        if (firstBlockers == null && event.isEnabled()) {
          firstBlockers = describeAll(blockers);
        }
        LockSupport.parkNanos(target, parkNanos);
        parkNanos = Math.min(parkNanos * 2, MAX_PARK_NANOS);
        interrupted |= Thread.interrupted();
        long now = System.nanoTime();
        stall.check(now, self, target, blockers);
        if (mayBreakCycles && now - nextProbe >= 0) {
          LockCycle found = probeLocks(self, target, suspected);
          if (found != null && suspected != null) {
            outcome = "lock cycle";
            return found; // seen twice; probeLocks has unregistered us
          }
          suspected = found;
          probeInterval =
              found != null
                  ? MIN_PARK_NANOS // confirm quickly
                  : Math.min(probeInterval * 2, MAX_PROBE_INTERVAL_NANOS);
          nextProbe = now + probeInterval;
        }
      }
    } finally {
      lock.lock();
      try {
        waiting.remove(self);
        released.remove(self);
      } finally {
        lock.unlock();
      }
      if (interrupted) {
        self.interrupt();
      }
      event.end();
      if (target.waitsForCallbacks() && event.shouldCommit()) {
        event.target = target.targetName();
        event.blockingThreads = firstBlockers == null ? "" : firstBlockers;
        event.outcome = outcome;
        event.commit();
      }
    }
  }

  /** The threads' names as diagnostics give them, comma-separated. */
  static String describeAll(List<Thread> threads) {
    StringBuilder text = new StringBuilder();
    for (Thread thread : threads) {
      if (text.length() > 0) {
        text.append(", ");
      }
      text.append(ThreadNames.describe(thread));
    }
    return text.toString();
  }

  /**
   * Under lock, before {@code self} registers a wait for {@code blockers}: breaks every cycle
   * that this wait would close, one member per cycle (rules B1 to B4 of the class notes).
   *
   * @return whether {@code self} is the member that gives up; false when no cycle remains, and
   *     every member chosen instead has been released
   */
  @GuardedBy("lock")
  private boolean breakCyclesThrough(Thread self, Waiter me, List<Thread> blockers) {
    Map<Thread, Waiter> chosen = new HashMap<>(); // tentatively released: edges out of the graph
    Map<Thread, List<Thread>> cycleOf = new HashMap<>(); // the cycle each was chosen to break
    for (; ; ) {
      List<Thread> cycle = cycleThrough(self, blockers);
      if (cycle == null) {
        chosen.forEach(
            (member, memberWait) -> {
              released.add(member);
              LockSupport.unpark(member);
              recordSkip(memberWait.target, member, cycleOf.get(member));
            });
        SKIPPED_CYCLES.addAndGet(chosen.size());
        return false;
      }
      Thread member = memberToRelease(self, me, cycle);
      if (member == self) {
        // Self gives up: every cycle through its wait is broken by that alone, so the members
        // chosen for earlier cycles keep waiting (one member per cycle gives up, not two).
        waiting.putAll(chosen);
        SKIPPED_CYCLES.incrementAndGet();
        recordSkip(me.target, self, cycle);
        return true;
      }
      // A member other than self is registered (memberToRelease picks only those): its edges
      // leave the graph, and the search runs again.
      chosen.put(member, Objects.requireNonNull(waiting.remove(member)));
      cycleOf.put(member, cycle);
    }
  }

  /**
   * Under lock: commits a {@code dev.tether.WaitCycleSkipped} event for {@code member}, which
   * gives up its wait on {@code target} to break {@code cycle}: only a final choice, never a
   * tentative one that a later cycle of the same arrival takes back.
   */
  private static void recordSkip(Quiescible target, Thread member, @Nullable List<Thread> cycle) {
    WaitCycleSkippedEvent event = new WaitCycleSkippedEvent();
    if (event.shouldCommit()) {
      event.target = target.targetName();
      event.skippingThread = ThreadNames.describe(member);
      event.cycle = cycle == null ? "" : describeAll(cycle);
      event.commit();
    }
  }

  /**
   * Under lock: the shortest cycle that {@code self} would close by waiting for
   * {@code blockers}, as the list of its members in wait order ({@code self} first, then a
   * blocker of self, then a blocker of that one, ...), or null if there is none.
   */
  @GuardedBy("lock")
  private @Nullable List<Thread> cycleThrough(Thread self, List<Thread> blockers) {
    Map<Thread, Thread> waitedForBy = new HashMap<>(); // breadth-first tree: member -> its waiter
    ArrayDeque<Thread> frontier = new ArrayDeque<>();
    for (Thread blocker : blockers) {
      if (waitedForBy.putIfAbsent(blocker, self) == null) {
        frontier.add(blocker);
      }
    }
    List<Thread> next = new ArrayList<>();
    while (!frontier.isEmpty()) {
      Thread thread = frontier.poll();
      if (thread == self) {
        ArrayDeque<Thread> members = new ArrayDeque<>();
        // Every member reached has its waiter in the tree, back to self.
        for (Thread t = requireNonNull(waitedForBy.get(self));
            t != self;
            t = requireNonNull(waitedForBy.get(t))) {
          members.addFirst(t);
        }
        members.addFirst(self);
        return new ArrayList<>(members);
      }
      Waiter waiter = waiting.get(thread);
      if (waiter != null) {
        next.clear();
        waiter.target.collectBlockers(thread, next, false);
        for (Thread blocker : next) {
          if (waitedForBy.putIfAbsent(blocker, thread) == null) {
            frontier.add(blocker);
          }
        }
      }
    }
    return null;
  }

  /**
   * Under lock: the member of {@code cycle} (self first, each member waiting for the next, the
   * last for self) whose wait is given up. See rules B1 to B4 in the class notes.
   */
  @GuardedBy("lock")
  private Thread memberToRelease(Thread self, Waiter me, List<Thread> cycle) {
    if (breakAtArrival) {
      return self;
    }
    int size = cycle.size();
    boolean selfInCallback = false;
    @Nullable Thread firstInCallback = null;
    for (int i = 0; i < size; i++) {
      Thread member = cycle.get(i);
      Waiter waiter = i == 0 ? me : waiting.get(member);
      Waiter waitedForBy =
          i == 0 ? waiting.get(cycle.get(size - 1)) : i == 1 ? me : waiting.get(cycle.get(i - 1));
      if (waiter == null
          || waitedForBy == null
          || !waiter.mayBreakCycles
          || !waitedForBy.target.waitsForCallbacks()) {
        continue; // not waited for as a callback's runner, or never gives up
      }
      if (waiter.target.encloses(waitedForBy.target)) {
        return member; // B1: inside a callback of what it waits on, as in a reentrant close
      }
      if (i == 0) {
        selfInCallback = true;
      } else if (firstInCallback == null) {
        firstInCallback = member;
      }
    }
    if (selfInCallback || firstInCallback == null) {
      return self; // B2, or B4: a cycle made only of closers
    }
    return firstInCallback; // B3
  }

  /**
   * Returns a future that completes when {@code target} has no removed callback running on any
   * thread, the caller included. Never blocks.
   */
  public static CompletableFuture<Void> awaitAsync(Quiescible target) {
    AsyncWait wait = current.new AsyncWait(target);
    wait.check(true);
    return wait.future;
  }

  /**
   * Called by a thread whose call of a removed callback has just ended and that was asked to
   * wake waiters: unparks the threads waiting on the object whose {@link Quiescible#identity()}
   * is {@code identity}, and re-checks its asynchronous waits. Takes the graph's lock; never runs
   * user code while holding it.
   */
  public static void wake(Object identity) {
    current.wakeOn(identity);
  }

  private void wakeOn(Object identity) {
    List<AsyncWait> toCheck = new ArrayList<>();
    lock.lock();
    try {
      waiting.forEach(
          (thread, waiter) -> {
            if (waiter.target.identity() == identity) {
              LockSupport.unpark(thread);
            }
          });
      for (AsyncWait wait : asyncWaits) {
        if (wait.target.identity() == identity) {
          toCheck.add(wait);
        }
      }
    } finally {
      lock.unlock();
    }
    for (AsyncWait wait : toCheck) {
      wait.check(false);
    }
  }

  /**
   * Describes what {@code thread} waits for, if it is parked in {@link #await}: the target and,
   * for each thread it waits for, that thread's top stack frames down to the code that is stuck
   * ({@link StackExcerpt}). For dumps.
   */
  public static @Nullable String describeWait(Thread thread) {
    return current.describeWaitOn(thread);
  }

  private @Nullable String describeWaitOn(Thread thread) {
    List<Thread> blockers = new ArrayList<>();
    Quiescible target;
    lock.lock();
    try {
      Waiter waiter = waiting.get(thread);
      if (waiter == null) {
        return null;
      }
      target = waiter.target;
      target.collectBlockers(thread, blockers, false);
    } finally {
      lock.unlock();
    }
    StringBuilder text = new StringBuilder("waits for ").append(target.describe());
    for (Thread blocker : blockers) {
      text.append("\n  running on ").append(ThreadNames.describe(blocker));
      StackExcerpt.appendTo(text, blocker.getStackTrace(), "    ");
    }
    return text.toString();
  }

  /** How many waits were skipped because they would have closed a cycle, since start-up. */
  public static long skippedCycles() {
    return SKIPPED_CYCLES.get();
  }

  /**
   * Looks for a lock cycle through {@code self}. Runs entirely under lock (a rare, slow path) so
   * that a cycle that several of its waiters can see is broken by exactly one of them: when
   * {@code suspected} is confirmed, {@code self} unregisters in the same critical section, and
   * the others' confirmations no longer find a path through it.
   */
  private @Nullable LockCycle probeLocks(
      Thread self, Quiescible target, @Nullable LockCycle suspected) {
    lock.lock();
    try {
      if (released.contains(self)) {
        return null; // our wait was given up to break a cycle: we return, we do not throw
      }
      Map<Long, List<Long>> edges = new HashMap<>();
      Map<Long, Thread> threads = new HashMap<>();
      threads.put(ThreadNames.id(self), self);
      List<Thread> next = new ArrayList<>();
      waiting.forEach(
          (thread, waiter) -> {
            next.clear();
            waiter.target.collectBlockers(thread, next, false);
            edges.put(ThreadNames.id(thread), ids(next, threads));
            threads.put(ThreadNames.id(thread), thread);
          });
      next.clear();
      target.collectBlockers(self, next, false);
      List<Long> blockerIds = ids(next, threads);
      LockCycle found = LockOwnerProbe.find(ThreadNames.id(self), blockerIds, edges, threads);
      if (found != null
          && suspected != null
          && found.callbackThreadId() == suspected.callbackThreadId()
          && found.lockName().equals(suspected.lockName())) {
        waiting.remove(self);
        return found;
      }
      return found == null || suspected != null ? null : found;
    } finally {
      lock.unlock();
    }
  }

  /** The ids of {@code threads}, each also entered in {@code byId}. */
  private static List<Long> ids(List<Thread> threads, Map<Long, Thread> byId) {
    List<Long> ids = new ArrayList<>(threads.size());
    for (Thread thread : threads) {
      long id = ThreadNames.id(thread);
      ids.add(id);
      byId.put(id, thread);
    }
    return ids;
  }

  /** A registered wait: what the thread waits on, and whether it may give the wait up. */
  private static final class Waiter {
    final Quiescible target;

    /** False for a thread inside no callback that must never give up (awaitOutsideCallbacks). */
    final boolean mayBreakCycles;

    Waiter(Quiescible target, boolean mayBreakCycles) {
      this.target = target;
      this.mayBreakCycles = mayBreakCycles;
    }
  }

  /**
   * An asynchronous wait: re-checked on every wake of its target and on a back-off timer, always
   * on the graph it was created on.
   */
  private final class AsyncWait {
    final Quiescible target;
    final CompletableFuture<Void> future = new CompletableFuture<>();
    private final List<Thread> blockers = new ArrayList<>();

    @GuardedBy("WaitForGraph.this.lock")
    private boolean registered;

    @GuardedBy("WaitForGraph.this.lock")
    private long pollNanos = MIN_PARK_NANOS;

    AsyncWait(Quiescible target) {
      this.target = target;
    }

    /** Completes the future if nothing blocks; {@code schedule}: also arm the next poll. */
    void check(boolean schedule) {
      long delay;
      lock.lock();
      try {
        if (future.isDone()) {
          return;
        }
        blockers.clear();
        target.collectBlockers(null, blockers, true);
        if (blockers.isEmpty()) {
          if (registered) {
            asyncWaits.remove(this);
          }
          registered = false;
          delay = -1;
        } else {
          if (!registered) {
            asyncWaits.add(this);
            registered = true;
          }
          delay = pollNanos;
          if (schedule) {
            pollNanos = Math.min(pollNanos * 2, MAX_PARK_NANOS);
          }
        }
      } finally {
        lock.unlock();
      }
      if (delay < 0) {
        future.complete(null); // dependents run here, outside the lock
      } else if (schedule) {
        // One timer chain per wait; wakes re-check without arming another.
        Executor later = CompletableFuture.delayedExecutor(delay, TimeUnit.NANOSECONDS);
        later.execute(() -> check(true));
      }
    }
  }
}
