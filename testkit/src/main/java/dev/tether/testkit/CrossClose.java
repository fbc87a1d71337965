package dev.tether.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Check c: subjects A and B each get one event; each listener call waits (bounded) until the
 * other's is running too, then closes the other subject: libdatachannel issue 1181's cross-close.
 * Both closes must return within the bound. A round in which one listener never ran (the other's
 * close came first) or the two never overlapped proves nothing either way, and is noted.
 */
final class CrossClose {
  private CrossClose() {}

  /** One side: its subject, its listener's record, and its close of the other side. */
  private static final class Side {
    final String name;
    final Recorder recorder;
    final AtomicBoolean armed = new AtomicBoolean();
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch returned = new CountDownLatch(1);
    volatile @Nullable Subject subject;
    volatile @Nullable Invocation call;
    volatile boolean overlapped;
    volatile @Nullable Throwable thrown;

    Side(String name, int round) {
      this.name = name;
      this.recorder = new Recorder(name, round);
    }
  }

  static RoundResult round(SubjectFactory factory, Budget budget, int round)
      throws InterruptedException {
    long bound = budget.bound().toNanos();
    long overlapWait = Math.min(bound / 2, TimeUnit.MILLISECONDS.toNanos(500));
    Side a = new Side("c-" + round + "-A", round);
    Side b = new Side("c-" + round + "-B", round);
    CyclicBarrier bothRunning = new CyclicBarrier(2);
    a.subject = Battery.open(factory, a.name, a.recorder);
    try {
      b.subject = Battery.open(factory, b.name, b.recorder);
      for (Side[] pair : new Side[][] {{a, b}, {b, a}}) {
        Side self = pair[0];
        Side other = pair[1];
        self.recorder.behave(
            call -> {
              if (!self.armed.compareAndSet(false, true)) {
                return;
              }
              self.call = call;
              self.entered.countDown();
              try {
                bothRunning.await(overlapWait, TimeUnit.NANOSECONDS);
                self.overlapped = true;
              } catch (TimeoutException | BrokenBarrierException e) {
                // the other listener is not running: close it anyway, the round is then a weak one
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              try {
                // Both subjects are open before either is fired.
                Objects.requireNonNull(other.subject, "other subject").close();
              } catch (Throwable t) {
                self.thrown = t;
              } finally {
                self.returned.countDown();
              }
            });
      }
      Battery.fire(a.subject, a.recorder, "r" + round + "-A");
      Battery.fire(b.subject, b.recorder, "r" + round + "-B");
      // Each side that ran must return; a side that never ran is not a hang.
      boolean aRan = a.entered.await(bound, TimeUnit.NANOSECONDS);
      boolean bRan = b.entered.await(bound, TimeUnit.NANOSECONDS); // waits even if a did not run
      if (!aRan && !bRan) {
        throw new Battery.AdapterException(
            "neither subject's listener ran within "
                + Battery.millis(bound)
                + " of fire() in round "
                + round,
            null);
      }
      long deadline = System.nanoTime() + bound + overlapWait;
      List<String> evidence = new ArrayList<>();
      for (Side[] pair : new Side[][] {{a, b}, {b, a}}) {
        Side self = pair[0];
        Side other = pair[1];
        Invocation call = self.call;
        if (call == null) {
          continue;
        }
        if (!self.returned.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          evidence.add(
              call.describe()
                  + " called close() on subject '"
                  + other.name
                  + "' and it did not return within "
                  + Battery.millis(bound)
                  + " (hung); "
                  + Battery.stack(call.thread));
        } else if (self.thrown != null) {
          evidence.add(
              call.describe()
                  + " called close() on subject '"
                  + other.name
                  + "', which failed loudly with "
                  + Battery.describe(self.thrown));
        }
      }
      if (!evidence.isEmpty()) {
        boolean both = a.overlapped && b.overlapped;
        return RoundResult.fail(
            "cross-close in round "
                + round
                + ": "
                + (both ? "with both listeners running at the same moment, " : "")
                + "a close() called from one subject's listener on the other did not return",
            evidence);
      }
      if (a.overlapped && b.overlapped) {
        return RoundResult.pass("both cross-closes returned with both listeners running");
      }
      return RoundResult.pass(
          "the listeners did not run at the same moment (no cross-close)",
          List.of(
              "in round "
                  + round
                  + " one listener ran alone: the library delivered the two "
                  + "subjects' events one at a time, or one close came first"));
    } finally {
      CloseCall.closeQuietly(a.subject, "testkit-cleanup-" + a.name, bound);
      Subject bSubject = b.subject;
      if (bSubject != null) {
        CloseCall.closeQuietly(bSubject, "testkit-cleanup-" + b.name, bound);
      }
    }
  }
}
