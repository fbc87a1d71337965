package dev.tether.testkit;

import dev.tether.Lifecycle;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Check g: the JVM's threads are listed before a subject opens; events flow, the subject closes;
 * every thread started meanwhile (but the kit's own and those the factory calls shared) must end
 * within the bound. A subject built on a {@link Lifecycle} node must leave it closed, with no
 * child still open, and gone from its parent's children.
 */
final class NoLeaks {
  private NoLeaks() {}

  static RoundResult round(SubjectFactory factory, Budget budget, int round)
      throws InterruptedException {
    long bound = budget.bound().toNanos();
    String name = "g-" + round;
    Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
    Recorder recorder = new Recorder(name, round);
    Subject subject = Battery.open(factory, name, recorder);
    Flood flood = Flood.start(subject, recorder);
    CloseCall.Outcome outcome;
    CloseCall call;
    try {
      Battery.awaitFirstEvent(recorder, flood, bound);
      call = CloseCall.start(subject, "testkit-closer-" + name, flood::closing);
      outcome = call.await(bound);
    } finally {
      flood.stop(bound);
    }
    if (outcome.kind != CloseCall.Outcome.Kind.RETURNED) {
      return RoundResult.fail(
          "close() "
              + outcome.verdict(bound)
              + " in round "
              + round
              + ", so leaks cannot be judged",
          List.of(Battery.stack(call.thread())));
    }
    List<String> evidence = new ArrayList<>();
    long deadline = outcome.at + bound;
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (before.contains(thread) || isJvmWide(thread) || factory.isSharedThread(thread)) {
        continue;
      }
      long left = deadline - System.nanoTime();
      if (left > 0) {
        TimeUnit.NANOSECONDS.timedJoin(thread, left);
      }
      if (thread.isAlive()) {
        evidence.add(
            "thread '"
                + thread.getName()
                + "', started while subject '"
                + name
                + "' was open, was still alive "
                + Battery.millis(System.nanoTime() - outcome.at)
                + " after close() returned: "
                + Battery.stack(thread));
      }
    }
    Optional<Lifecycle> node = subject.lifecycle();
    if (node.isPresent()) {
      evidence.addAll(lifecycleLeaks(node.get(), outcome.at, bound));
    }
    if (!evidence.isEmpty()) {
      return RoundResult.fail(
          "subject '"
              + name
              + "' left resources behind after close() "
              + "returned, in round "
              + round,
          evidence);
    }
    return RoundResult.pass(
        "no thread or lifecycle node outlived close()"
            + (node.isPresent() ? "" : " (no lifecycle node to check)"));
  }

  /** The kit's threads, and threads one per JVM that any code may start first. */
  private static boolean isJvmWide(Thread thread) {
    String name = thread.getName();
    return name.startsWith("testkit-")
        || name.startsWith("ForkJoinPool.commonPool-")
        || name.equals("Common-Cleaner")
        || name.equals("tether-cleaner");
  }

  private static List<String> lifecycleLeaks(Lifecycle node, long closedAt, long bound)
      throws InterruptedException {
    List<String> evidence = new ArrayList<>();
    try {
      node.closeFuture()
          .get(Math.max(0, closedAt + bound - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      evidence.add(
          "lifecycle node '"
              + node.path()
              + "' was "
              + node.state()
              + ", not CLOSED, "
              + Battery.millis(System.nanoTime() - closedAt)
              + " after close() returned");
    } catch (ExecutionException e) {
      // closed with a failure: still closed, which is what this check asks
    }
    for (Lifecycle child : node.children()) {
      evidence.add(
          "lifecycle node '"
              + child.path()
              + "' under the closed subject's node is "
              + child.state());
    }
    node.parent()
        .ifPresent(
            parent -> {
              if (parent.children().contains(node)) {
                evidence.add(
                    "lifecycle node '"
                        + node.path()
                        + "' is still a child of '"
                        + parent.path()
                        + "' after close() returned");
              }
            });
    return evidence;
  }
}
