package dev.tether.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Check d: events flood in; once a listener runs, {@link #CLOSERS} kit threads call
 * {@code close()} at the same moment while the first listener call holds on. Each caller must
 * return only once no listener runs; then the closed notification must have fired as the factory
 * declares (exactly once, or never), counted after a grace period.
 */
final class ConcurrentClose {
  static final int CLOSERS = 4;

  private ConcurrentClose() {}

  static RoundResult round(SubjectFactory factory, Budget budget, int round)
      throws InterruptedException {
    long bound = budget.bound().toNanos();
    String name = "d-" + round;
    Recorder recorder = new Recorder(name, round);
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch closeStarted = new CountDownLatch(1);
    Queue<Thread> closers = new ConcurrentLinkedQueue<>();
    Subject subject = Battery.open(factory, name, recorder);
    Flood flood = Flood.start(subject, recorder);
    try {
      Battery.holdFirstCallWhileClosing(recorder, closeStarted, closers, bound);
      Battery.awaitFirstEvent(recorder, flood, bound);
      List<CloseCall> calls = new ArrayList<>();
      for (int i = 1; i <= CLOSERS; i++) {
        calls.add(
            CloseCall.start(
                subject,
                "testkit-closer-" + name + "-" + i,
                () -> {
                  gate.await();
                  flood.closing();
                  closers.add(Thread.currentThread());
                  closeStarted.countDown();
                }));
      }
      gate.countDown();
      List<String> evidence = new ArrayList<>();
      long deadline = System.nanoTime() + bound + Battery.MAX_HOLD_NANOS;
      List<CloseCall.Outcome> outcomes = new ArrayList<>();
      for (CloseCall call : calls) {
        CloseCall.Outcome outcome = call.await(Math.max(0, deadline - System.nanoTime()));
        outcomes.add(outcome);
        if (outcome.kind == CloseCall.Outcome.Kind.HUNG) {
          evidence.add(
              "close() on thread '"
                  + call.thread().getName()
                  + "' did not return within "
                  + Battery.millis(bound)
                  + " (hung); "
                  + Battery.stack(call.thread()));
        } else if (outcome.kind == CloseCall.Outcome.Kind.THREW) {
          evidence.add(
              "close() on thread '"
                  + call.thread().getName()
                  + "' threw "
                  + Battery.describe(outcome.thrown));
        }
      }
      if (!evidence.isEmpty()) {
        return RoundResult.fail(
            "a concurrent close() did not return normally, in round " + round, evidence);
      }
      // The earliest return is the fence: a call starting after it is late for that caller.
      recorder.fence(outcomes.stream().mapToLong(o -> o.at).min().orElseThrow());
      recorder.startedAfterFence.await(Battery.GRACE_NANOS, TimeUnit.NANOSECONDS);
      flood.stop(bound);
      Battery.awaitQuiet(recorder, bound);
      for (int i = 0; i < calls.size(); i++) {
        evidence.addAll(
            Battery.afterReturn(
                recorder,
                outcomes.get(i).at,
                "close() on thread '" + calls.get(i).thread().getName() + "'",
                null));
      }
      if (factory.closedNotification() == ClosedNotification.EXACTLY_ONCE) {
        recorder.closedOnce.await(bound, TimeUnit.NANOSECONDS);
      }
      // A second notification, or one that must not come, may still be on its way.
      (expected(factory) == 1 ? recorder.closedTwice : recorder.closedOnce)
          .await(Battery.GRACE_NANOS, TimeUnit.NANOSECONDS);
      int closedCount = recorder.closedThreads.size();
      if (closedCount != expected(factory)) {
        evidence.add(
            "the closed notification fired "
                + closedCount
                + " times (declared: "
                + (expected(factory) == 1 ? "exactly once" : "never")
                + " on a local close), on "
                + (closedCount == 0 ? "no thread" : "threads " + recorder.closedThreads));
      }
      if (!evidence.isEmpty()) {
        return RoundResult.fail(
            CLOSERS
                + " threads called close() at once in round "
                + round
                + ", and the guarantee broke",
            evidence);
      }
      return RoundResult.pass(
          CLOSERS
              + " concurrent close() calls each returned only once no "
              + "listener ran; the closed notification fired "
              + closedCount
              + " times as declared");
    } finally {
      flood.stop(bound);
    }
  }

  private static int expected(SubjectFactory factory) {
    return factory.closedNotification() == ClosedNotification.EXACTLY_ONCE ? 1 : 0;
  }
}
