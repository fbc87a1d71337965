package dev.tether.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * ThreadMXBean reports nothing for virtual threads (getThreadInfo answers null), so a virtual
 * callback thread blocked on a lock ends the search on that path.
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
   */
  static @Nullable LockCycle find(long waiterId, List<Long> blockerIds,
      Map<Long, List<Long>> waitEdges) {
    Map<Long, Step> reachedBy = new HashMap<>();
    ArrayDeque<Long> frontier = new ArrayDeque<>();
    for (long blocker : blockerIds) {
      if (reachedBy.putIfAbsent(blocker, Step.START) == null) {
        frontier.add(blocker);
      }
    }
    Map<Long, @Nullable ThreadInfo> infos = new HashMap<>();
    while (!frontier.isEmpty()) {
      long thread = frontier.poll();
      ThreadInfo info = infos.computeIfAbsent(thread, LockOwnerProbe::info);
      if (info != null && info.getLockOwnerId() >= 0 && !isGraphLock(info)) {
        long owner = info.getLockOwnerId();
        Step step = new Step(thread, true, info.getLockName());
        if (owner == waiterId) {
          return describe(waiterId, owner, step, reachedBy, infos);
        }
        if (reachedBy.putIfAbsent(owner, step) == null) {
          frontier.add(owner);
        }
      }
      for (long next : waitEdges.getOrDefault(thread, List.of())) {
        Step step = new Step(thread, false, null);
        if (next == waiterId) {
          if (pathHasLock(thread, reachedBy)) {
            return describe(waiterId, next, step, reachedBy, infos);
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

  /** The graph's own lock is held only briefly and never while blocking: never a cycle edge. */
  private static boolean isGraphLock(ThreadInfo info) {
    return info.getLockInfo() != null
        && GraphMutex.class.getName().equals(info.getLockInfo().getClassName());
  }

  private static boolean pathHasLock(long thread, Map<Long, Step> reachedBy) {
    for (Step step = reachedBy.get(thread); step != Step.START && step != null;
        step = reachedBy.get(step.from)) {
      if (step.lock) {
        return true;
      }
    }
    return false;
  }

  private static LockCycle describe(long waiterId, long last, Step lastStep,
      Map<Long, Step> reachedBy, Map<Long, @Nullable ThreadInfo> infos) {
    List<Step> steps = new ArrayList<>();
    steps.add(lastStep);
    for (Step step = reachedBy.get(lastStep.from); step != Step.START && step != null;
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
        chain.add(name(step.from, infos) + " is blocked on " + step.lockName + " owned by "
            + name(next, infos));
      } else {
        chain.add(name(step.from, infos) + " waits in reset for a callback running on "
            + name(next, infos));
      }
    }
    ThreadInfo callbackInfo = THREADS.getThreadInfo(callbackThread, Integer.MAX_VALUE);
    StackTraceElement[] stack =
        callbackInfo == null ? new StackTraceElement[0] : callbackInfo.getStackTrace();
    return new LockCycle(callbackThread, threadName(callbackThread, infos), firstLock, List.copyOf(chain), stack);
  }

  private static String name(long id, Map<Long, @Nullable ThreadInfo> infos) {
    return "'" + threadName(id, infos) + "'";
  }

  private static String threadName(long id, Map<Long, @Nullable ThreadInfo> infos) {
    ThreadInfo info = infos.computeIfAbsent(id, LockOwnerProbe::info);
    return info == null ? "thread#" + id : info.getThreadName();
  }

  private static @Nullable ThreadInfo info(long id) {
    return THREADS.getThreadInfo(id, 0);
  }

  /** How a thread was reached: from {@code from}, over a lock edge or a wait edge. */
  private record Step(long from, boolean lock, @Nullable String lockName) {
    static final Step START = new Step(-1, false, null);
  }
}
