package dev.tether.samples.docs;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Bounded waits and a manual executor for the doc examples' tests: every wait ends, a hang fails
 * the test naming what it waited for, and nothing sleeps to synchronize. <b>Note:</b> the static
 * helpers are thread-safe; {@link ManualExecutor} may be fed from any thread and run from one.
 */
final class DocTestSupport {
  /** The longest any example waits: far beyond a correct run, short enough to fail a hang. */
  static final Duration BOUND = Duration.ofSeconds(10);

  private DocTestSupport() {}

  /** Awaits {@code latch} at most {@link #BOUND}; fails naming {@code what} otherwise. */
  static void await(CountDownLatch latch, String what) {
    try {
      if (!latch.await(BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("timed out waiting for " + what);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted waiting for " + what, e);
    }
  }

  /** Starts a platform thread named {@code name} running {@code body}. */
  static Thread start(String name, Runnable body) {
    Thread thread = new Thread(body, name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  /** Joins {@code thread} at most {@link #BOUND}; a thread still alive fails with its stack. */
  static void join(Thread thread) {
    try {
      thread.join(BOUND.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted joining " + thread.getName(), e);
    }
    if (thread.isAlive()) {
      AssertionError hung = new AssertionError("thread '" + thread.getName() + "' hangs");
      hung.setStackTrace(thread.getStackTrace());
      throw hung;
    }
  }

  /** Polls {@code condition} until it holds, at most {@link #BOUND}; fails naming it otherwise. */
  static void eventually(String what, BooleanSupplier condition) {
    org.awaitility.Awaitility.await(what)
        .atMost(BOUND)
        .pollInterval(Duration.ofMillis(10))
        .until(condition::getAsBoolean);
  }

  /** As {@link #eventually}, running the garbage collector before each check. */
  static void eventuallyAfterGc(String what, BooleanSupplier condition) {
    eventually(
        what,
        () -> {
          System.gc();
          return condition.getAsBoolean();
        });
  }

  /** A one-shot meeting point of {@code parties} threads; each waits at most {@link #BOUND}. */
  static final class Rendezvous {
    private final CountDownLatch arrivals;

    Rendezvous(int parties) {
      arrivals = new CountDownLatch(parties);
    }

    void arriveAndAwait() {
      arrivals.countDown();
      DocTestSupport.await(arrivals, "the other parties of the rendezvous");
    }
  }

  /** Queues tasks; the test runs them on its own thread, so the order is deterministic. */
  static final class ManualExecutor implements Executor {
    private final ConcurrentLinkedDeque<Runnable> tasks = new ConcurrentLinkedDeque<>();

    @Override
    public void execute(Runnable task) {
      tasks.addLast(task);
    }

    /** Runs tasks, including those they submit, until none is left; returns how many ran. */
    int runAll() {
      int ran = 0;
      for (Runnable task = tasks.pollFirst(); task != null; task = tasks.pollFirst()) {
        task.run();
        ran++;
      }
      return ran;
    }
  }
}
