package dev.tether.internal;

import java.lang.management.LockInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.AbstractOwnableSynchronizer;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/*
 * Implementation notes
 *
 * Finds a cycle that mixes "waits in reset for a thread running a removed callback" edges (taken
 * from a snapshot of the wait-for graph) with "is blocked on a lock owned by" edges (taken from
 * ThreadMXBean, which reports the owner of a monitor and of any AbstractOwnableSynchronizer such
 * as ReentrantLock). A path from one of the waiter's blockers back to the waiter that uses at
 * least one lock edge is a deadlock no waiting rule can dissolve: the callback cannot return until
 * the waiter releases the lock, and the waiter cannot release it while it waits.
 *
 * The lock edges are read without any lock of ours and may be stale by the time they are used, so
 * a cycle is reported only if it is seen on two probes in a row (the caller probes again after
 * backing off); a stale edge would have to be stale in the same way twice.
 *
 * The waiter probes while holding the graph's own lock (GraphMutex), so a thread entering the graph
 * at that moment appears blocked on a lock the waiter owns; edges on GraphMutex are ignored, which
 * is exact because its holder never blocks while holding it (jcstress found the false cycle this
 * used to report: LifecycleCloseFromCallbackStress).
 *
 * Virtual threads. ThreadMXBean reports nothing for them (getThreadInfo answers null), so the
 * edge out of a virtual thread is found another way: a virtual thread waiting for a
 * java.util.concurrent lock is parked with the lock's synchronizer as its blocker
 * (LockSupport.getBlocker, which works for any thread), and ThreadMXBean lists the synchronizers
 * each platform thread holds, by class name and identity hash. A holder among the threads of the
 * wait-for graph (the only ones through which a path can lead back to the waiter) whose list has
 * the blocker's class and identity hash owns it. Two distinct live synchronizers of one class
 * with equal identity hashes, one held by a graph thread, would make a false edge; the two-probe
 * confirmation makes that vanishingly unlikely to matter. What that leaves (a virtual thread
 * blocked on a monitor; a synchronizer held by a virtual thread) is asked of the JSON thread dump
 * on the JDKs whose dump names it (ThreadDumpLocks: monitors from 25, synchronizer owners from
 * 26). Elsewhere such a wait stays a wait, which the stall report names (guarantees.md lists
 * the cases).
 */
final class LockOwnerProbe {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private LockOwnerProbe() {}

  /**
   * Searches for a lock cycle through {@code waiter}.
   *
   * @param waiterId the waiting thread
   * @param blockerIds the threads {@code waiter} waits for
   * @param waitEdges for every waiting thread, the threads it waits for (a snapshot)
   * @param threads every thread named above, by id (to probe virtual threads and to name threads)
   */
  static @Nullable LockCycle find(
      long waiterId,
      List<Long> blockerIds,
      Map<Long, List<Long>> waitEdges,
      Map<Long, Thread> threads) {
    Map<Long, Step> reachedBy = new HashMap<>();
    ArrayDeque<Long> frontier = new ArrayDeque<>();
    for (long blocker : blockerIds) {
      if (reachedBy.putIfAbsent(blocker, Step.START) == null) {
        frontier.add(blocker);
      }
    }
    Map<Long, @Nullable ThreadInfo> infos = new HashMap<>();
    DumpOnce dump = new DumpOnce();
    while (!frontier.isEmpty()) {
      long thread = frontier.poll();
      LockEdge edge = lockEdge(thread, threads, infos, dump);
      if (edge != null) {
        Step step = new Step(thread, true, edge.lockName);
        if (edge.owner == waiterId) {
          return describe(edge.owner, step, reachedBy, infos, threads);
        }
        if (reachedBy.putIfAbsent(edge.owner, step) == null) {
          frontier.add(edge.owner);
        }
      }
      for (long next : waitEdges.getOrDefault(thread, List.of())) {
        Step step = new Step(thread, false, null);
        if (next == waiterId) {
          if (pathHasLock(thread, reachedBy)) {
            return describe(next, step, reachedBy, infos, threads);
          }
          continue; // a pure wait cycle: the wait-for graph handles it by not waiting
        }
        if (reachedBy.putIfAbsent(next, step) == null) {
          frontier.add(next);
        }
      }
    }
    return null;
  }

  /** The lock {@code id} is blocked on and that lock's owner, or null if none is known. */
  private static @Nullable LockEdge lockEdge(
      long id, Map<Long, Thread> threads, Map<Long, @Nullable ThreadInfo> infos, DumpOnce dump) {
    ThreadInfo info = infos.computeIfAbsent(id, LockOwnerProbe::info);
    if (info != null) {
      return info.getLockOwnerId() >= 0 && !isGraphLock(info)
          ? new LockEdge(info.getLockOwnerId(), info.getLockName())
          : null;
    }
    Thread thread = threads.get(id);
    if (thread == null) {
      return null;
    }
    LockEdge edge = synchronizerEdge(thread, threads.keySet());
    if (edge == null
        && ThreadDumpLocks.canExplain(
            thread.getState(),
            LockSupport.getBlocker(thread) instanceof AbstractOwnableSynchronizer)) {
      ThreadDumpLocks locks = dump.get();
      edge = locks == null ? null : locks.edgeOf(id);
    }
    return edge;
  }

  /**
   * For a thread ThreadMXBean cannot see (a virtual thread): the java.util.concurrent lock it is
   * parked on, if a platform thread among {@code candidates} holds it. See the notes.
   */
  private static @Nullable LockEdge synchronizerEdge(Thread thread, Set<Long> candidates) {
    Object blocker = LockSupport.getBlocker(thread);
    if (!(blocker instanceof AbstractOwnableSynchronizer)
        || blocker instanceof GraphMutex
        || !THREADS.isSynchronizerUsageSupported()) {
      return null;
    }
    int hash = System.identityHashCode(blocker);
    String className = blocker.getClass().getName();
    long[] ids = candidates.stream().mapToLong(Long::longValue).toArray();
    for (ThreadInfo holder : THREADS.getThreadInfo(ids, false, true)) {
      if (holder == null) {
        continue; // ended, or virtual
      }
      for (LockInfo held : holder.getLockedSynchronizers()) {
        if (held.getIdentityHashCode() == hash && held.getClassName().equals(className)) {
          return new LockEdge(holder.getThreadId(), held.toString());
        }
      }
    }
    return null;
  }

  /** The graph's own lock is held only briefly and never while blocking: never a cycle edge. */
  private static boolean isGraphLock(ThreadInfo info) {
    return info.getLockInfo() != null
        && GraphMutex.class.getName().equals(info.getLockInfo().getClassName());
  }

  private static boolean pathHasLock(long thread, Map<Long, Step> reachedBy) {
    for (Step step = reachedBy.get(thread);
        step != null && !step.equals(Step.START);
        step = reachedBy.get(step.from)) {
      if (step.lock) {
        return true;
      }
    }
    return false;
  }

  private static LockCycle describe(
      long last,
      Step lastStep,
      Map<Long, Step> reachedBy,
      Map<Long, @Nullable ThreadInfo> infos,
      Map<Long, Thread> threads) {
    List<Step> steps = new ArrayList<>();
    steps.add(lastStep);
    for (Step step = reachedBy.get(lastStep.from);
        step != null && !step.equals(Step.START);
        step = reachedBy.get(step.from)) {
      steps.add(0, step);
    }
    long callbackThread = steps.get(0).from;
    List<String> chain = new ArrayList<>();
    String firstLock = "an unknown lock";
    long to = last;
    for (int i = 0; i < steps.size(); i++) {
      Step step = steps.get(i);
      long next = i + 1 < steps.size() ? steps.get(i + 1).from : to;
      if (step.lock) {
        if (chain.stream().noneMatch(s -> s.contains(" is blocked on "))) {
          firstLock = String.valueOf(step.lockName);
        }
        chain.add(
            describe(step.from, infos, threads)
                + " is blocked on "
                + step.lockName
                + " owned by "
                + describe(next, infos, threads));
      } else {
        chain.add(
            describe(step.from, infos, threads)
                + " waits in reset for a callback running on "
                + describe(next, infos, threads));
      }
    }
    Thread callback = threads.get(callbackThread);
    StackTraceElement[] stack;
    if (callback != null) {
      stack = callback.getStackTrace();
    } else {
      ThreadInfo callbackInfo = THREADS.getThreadInfo(callbackThread, Integer.MAX_VALUE);
      stack = callbackInfo == null ? new StackTraceElement[0] : callbackInfo.getStackTrace();
    }
    return new LockCycle(
        callbackThread,
        threadName(callbackThread, infos, threads),
        describe(callbackThread, infos, threads),
        firstLock,
        List.copyOf(chain),
        stack);
  }

  /** The thread as diagnostics name it ({@link ThreadNames#describe}). */
  private static String describe(
      long id, Map<Long, @Nullable ThreadInfo> infos, Map<Long, Thread> threads) {
    Thread thread = threads.get(id);
    if (thread != null) {
      return ThreadNames.describe(thread);
    }
    ThreadInfo info = infos.computeIfAbsent(id, LockOwnerProbe::info);
    return info == null || info.getThreadName().isEmpty()
        ? "thread #" + id
        : "thread '" + info.getThreadName() + "'";
  }

  private static String threadName(
      long id, Map<Long, @Nullable ThreadInfo> infos, Map<Long, Thread> threads) {
    Thread thread = threads.get(id);
    if (thread != null) {
      return thread.getName();
    }
    ThreadInfo info = infos.computeIfAbsent(id, LockOwnerProbe::info);
    return info == null ? "" : info.getThreadName();
  }

  private static @Nullable ThreadInfo info(long id) {
    return THREADS.getThreadInfo(id, 0);
  }

  /** At most one JSON thread dump per search, taken when first needed. */
  private static final class DumpOnce {
    private boolean taken;
    private @Nullable ThreadDumpLocks locks;

    @Nullable ThreadDumpLocks get() {
      if (!taken) {
        taken = true;
        locks = ThreadDumpLocks.take();
      }
      return locks;
    }
  }

  /** "Blocked on {@code lockName}, which {@code owner} holds." */
  record LockEdge(long owner, String lockName) {}

  /** How a thread was reached: from {@code from}, over a lock edge or a wait edge. */
  private record Step(long from, boolean lock, @Nullable String lockName) {
    static final Step START = new Step(-1, false, null);
  }
}
