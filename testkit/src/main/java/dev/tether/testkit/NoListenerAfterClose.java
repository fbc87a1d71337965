package dev.tether.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Check a: events flood in from a kit thread; once a listener runs, a kit thread calls
 * {@code close()}; the first listener call holds on at least {@link Battery#HOLD_NANOS} after the close
 * began, so a close that does not wait returns while it still runs. Then the kit waits a grace
 * period for a listener that starts late.
 */
final class NoListenerAfterClose {
  private NoListenerAfterClose() {}

  static RoundResult round(SubjectFactory factory, Budget budget, int round)
      throws InterruptedException {
    long bound = budget.bound().toNanos();
    String name = "a-" + round;
    Recorder recorder = new Recorder(name, round);
    CountDownLatch closeStarted = new CountDownLatch(1);
    Queue<Thread> closers = new ConcurrentLinkedQueue<>();
    Subject subject = Battery.open(factory, name, recorder);
    Flood flood = Flood.start(subject, recorder);
    try {
      Battery.holdFirstCallWhileClosing(recorder, closeStarted, closers, bound);
      Battery.awaitFirstEvent(recorder, flood, bound);
      CloseCall call =
          CloseCall.start(
              subject,
              "testkit-closer-" + name,
              () -> {
                flood.closing();
                closers.add(Thread.currentThread());
                closeStarted.countDown();
              });
      CloseCall.Outcome outcome = call.await(bound + Battery.MAX_HOLD_NANOS);
      if (outcome.kind == CloseCall.Outcome.Kind.HUNG) {
        return RoundResult.fail(
            "close() did not return within "
                + Battery.millis(bound)
                + " in round "
                + round
                + " (hung)",
            List.of(Battery.stack(call.thread())));
      }
      if (outcome.kind == CloseCall.Outcome.Kind.THREW) {
        return RoundResult.fail(
            "close() threw in round " + round + ": " + Battery.describe(outcome.thrown), List.of());
      }
      recorder.fence(outcome.at);
      recorder.startedAfterFence.await(Battery.GRACE_NANOS, TimeUnit.NANOSECONDS);
      flood.stop(bound);
      Battery.awaitQuiet(recorder, bound);
      String closeCall = "close() on thread '" + call.thread().getName() + "'";
      List<String> evidence =
          new ArrayList<>(Battery.afterReturn(recorder, outcome.at, closeCall, null));
      if (!evidence.isEmpty()) {
        return RoundResult.fail(
            "a listener ran after close() returned, in round "
                + round
                + " ("
                + flood.fired()
                + " events fired)",
            evidence);
      }
      return RoundResult.pass("no listener ran after close() returned");
    } finally {
      flood.stop(bound);
    }
  }
}
