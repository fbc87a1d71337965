package dev.tether.testkit;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Check f: events flood in; the first listener call after the kit arms it throws a
 * {@link ListenerFailure}. At least {@link #LATER_EVENTS} later events must still reach the
 * listener within the bound, and {@code close()} must then return normally within the bound.
 */
final class ThrowingListener {
  static final int LATER_EVENTS = 3;

  private ThrowingListener() {}

  static RoundResult round(SubjectFactory factory, Budget budget, int round)
      throws InterruptedException {
    long bound = budget.bound().toNanos();
    String name = "f-" + round;
    Recorder recorder = new Recorder(name, round);
    Subject subject = Battery.open(factory, name, recorder);
    Flood flood = Flood.start(subject, recorder);
    AtomicBoolean armed = new AtomicBoolean();
    CountDownLatch later = new CountDownLatch(LATER_EVENTS);
    Invocation[] thrower = new Invocation[1];
    boolean closed = false;
    try {
      Battery.awaitFirstEvent(recorder, flood, bound);
      recorder.behave(
          call -> {
            if (armed.compareAndSet(false, true)) {
              thrower[0] = call;
              throw new ListenerFailure(
                  "thrown on purpose by the testkit's check f: " + call.describe());
            }
            if (thrower[0] != null) {
              later.countDown();
            }
          });
      if (!later.await(bound, TimeUnit.NANOSECONDS)) {
        Invocation call = thrower[0];
        return RoundResult.fail(
            "after a listener threw, later events stopped arriving, in round " + round,
            List.of(
                call == null
                    ? "no listener call was armed: events stopped arriving"
                    : call.describe()
                        + " threw "
                        + ListenerFailure.class.getSimpleName()
                        + "; then "
                        + (LATER_EVENTS - later.getCount())
                        + " of "
                        + LATER_EVENTS
                        + " later events "
                        + "arrived within "
                        + Battery.millis(bound)
                        + " ("
                        + flood.fired()
                        + " events fired in all)"));
      }
      CloseCall call = CloseCall.start(subject, "testkit-closer-" + name, flood::closing);
      CloseCall.Outcome outcome = call.await(bound);
      closed = true;
      if (outcome.kind != CloseCall.Outcome.Kind.RETURNED) {
        return RoundResult.fail(
            "after a listener threw, close() " + outcome.verdict(bound) + ", in round " + round,
            List.of(
                thrower[0].describe() + " threw " + ListenerFailure.class.getSimpleName(),
                Battery.stack(call.thread())));
      }
      return RoundResult.pass("later events arrived after a listener threw, and close() returned");
    } finally {
      flood.closing();
      flood.stop(bound);
      if (!closed) {
        CloseCall.closeQuietly(subject, "testkit-cleanup-" + name, bound);
      }
    }
  }
}
