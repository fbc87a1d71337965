package dev.tether.testkit;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Check b: events flood in; the first listener call after the kit arms it calls {@code close()}
 * on its own subject. That call must return within the bound (a close that waits for every
 * running listener waits for itself), and no listener may start after it returned; the calling
 * listener itself runs on to its end.
 */
final class CloseFromListener {
  private CloseFromListener() {}

  static RoundResult round(SubjectFactory factory, Budget budget, int round)
      throws InterruptedException {
    long bound = budget.bound().toNanos();
    String name = "b-" + round;
    Recorder recorder = new Recorder(name, round);
    Subject subject = Battery.open(factory, name, recorder);
    Flood flood = Flood.start(subject, recorder);
    AtomicBoolean armed = new AtomicBoolean();
    CountDownLatch returned = new CountDownLatch(1);
    Invocation[] closer = new Invocation[1];
    long[] returnedAt = new long[1];
    @Nullable Throwable[] thrown = new Throwable[1];
    boolean closed = false;
    try {
      Battery.awaitFirstEvent(recorder, flood, bound);
      recorder.behave(
          call -> {
            if (!armed.compareAndSet(false, true)) {
              Battery.spin(Battery.WORK_NANOS);
              return;
            }
            closer[0] = call;
            flood.closing();
            try {
              subject.close();
            } catch (Throwable t) {
              thrown[0] = t;
            } finally {
              returnedAt[0] = System.nanoTime();
              returned.countDown(); // publishes closer, thrown and returnedAt
            }
          });
      if (!returned.await(bound, TimeUnit.NANOSECONDS)) {
        Invocation call = closer[0];
        return RoundResult.fail(
            "close() called from inside a listener did not return within "
                + Battery.millis(bound)
                + " in round "
                + round
                + " (hung: it waits for the listener "
                + "that called it, or for something that listener holds)",
            call == null
                ? List.of("no listener call was armed: events stopped arriving")
                : List.of(call.describe() + " called close()", Battery.stack(call.thread)));
      }
      closed = thrown[0] == null;
      if (thrown[0] != null) {
        return RoundResult.fail(
            "close() called from inside a listener failed loudly with "
                + Battery.describe(thrown[0])
                + " in round "
                + round,
            List.of(closer[0].describe() + " called close()"));
      }
      recorder.fence(returnedAt[0]);
      recorder.startedAfterFence.await(Battery.GRACE_NANOS, TimeUnit.NANOSECONDS);
      flood.stop(bound);
      Battery.awaitQuiet(recorder, bound);
      String closeCall = "the close() called by " + closer[0].describe();
      List<String> evidence = Battery.afterReturn(recorder, returnedAt[0], closeCall, closer[0]);
      if (!evidence.isEmpty()) {
        return RoundResult.fail(
            "a listener ran after close() called from inside a listener "
                + "returned, in round "
                + round,
            evidence);
      }
      return RoundResult.pass("close() from inside a listener returned, and nothing ran after it");
    } finally {
      flood.stop(bound);
      if (!closed && returned.getCount() == 0) {
        CloseCall.closeQuietly(subject, "testkit-cleanup-" + name, bound);
      }
    }
  }
}
