package dev.tether.testkit;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A {@code close()} of a subject on a kit thread of its own, so that the check can bound its wait
 * and give a verdict even when the close never returns.
 */
/*
 * Implementation notes
 *
 * The thread is a daemon: a close the library never returns from leaves it parked, and it must
 * not keep the JVM (the test fork) alive. `outcome` is written before `done` is counted down, so
 * a waiter that sees the latch at zero reads it.
 */
final class CloseCall {
  /** What runs on the closing thread before close(), and after it (in a finally). */
  interface Hooks {
    void before() throws InterruptedException;

    default void after() {}
  }

  private final Thread thread;
  private final CountDownLatch done = new CountDownLatch(1);
  private volatile @Nullable Outcome outcome;

  private CloseCall(Subject subject, String threadName, Hooks hooks) {
    thread =
        new Thread(
            () -> {
              try {
                hooks.before();
                try {
                  subject.close();
                  outcome = Outcome.returned(System.nanoTime(), Thread.currentThread());
                } catch (Throwable t) {
                  outcome = Outcome.threw(System.nanoTime(), Thread.currentThread(), t);
                } finally {
                  hooks.after();
                }
              } catch (InterruptedException e) {
                outcome = Outcome.threw(System.nanoTime(), Thread.currentThread(), e);
              } finally {
                done.countDown();
              }
            },
            threadName);
    thread.setDaemon(true);
  }

  static CloseCall start(Subject subject, String threadName, Hooks hooks) {
    CloseCall call = new CloseCall(subject, threadName, hooks);
    call.thread.start();
    return call;
  }

  Thread thread() {
    return thread;
  }

  /** The outcome, or a hung one if the close did not end within {@code nanos}. */
  Outcome await(long nanos) throws InterruptedException {
    if (done.await(nanos, TimeUnit.NANOSECONDS)) {
      Outcome result = outcome;
      if (result != null) {
        return result;
      }
    }
    return Outcome.hung(thread);
  }

  /** Closes {@code subject} on a kit thread, waiting at most {@code nanos}; ignores the outcome. */
  static void closeQuietly(Subject subject, String threadName, long nanos) {
    try {
      start(subject, threadName, () -> {}).await(nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** How a close call ended: returned, threw, or hung past the bound. */
  static final class Outcome {
    enum Kind {
      RETURNED,
      THREW,
      HUNG
    }

    final Kind kind;
    final long at;
    final Thread thread;
    final @Nullable Throwable thrown;

    private Outcome(Kind kind, long at, Thread thread, @Nullable Throwable thrown) {
      this.kind = kind;
      this.at = at;
      this.thread = thread;
      this.thrown = thrown;
    }

    static Outcome returned(long at, Thread thread) {
      return new Outcome(Kind.RETURNED, at, thread, null);
    }

    static Outcome threw(long at, Thread thread, Throwable thrown) {
      return new Outcome(Kind.THREW, at, thread, thrown);
    }

    static Outcome hung(Thread thread) {
      return new Outcome(Kind.HUNG, 0, thread, null);
    }

    /** "returned", "failed loudly with X: message", or "hung past the bound of N ms". */
    String verdict(long boundNanos) {
      return switch (kind) {
        case RETURNED -> "returned";
        case THREW -> "failed loudly with " + Battery.describe(thrown);
        case HUNG -> "hung past the bound of " + Battery.millis(boundNanos);
      };
    }
  }
}
