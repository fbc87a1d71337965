package dev.tether;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A named platform thread for tests: captures what its task threw, and joins with a bound that
 * fails the test with the thread's stack instead of hanging it.
 */
final class TestThread extends Thread {
  static final Duration BOUND = Duration.ofSeconds(20);

  /** A task that may throw anything. */
  @FunctionalInterface
  interface Task {
    void run() throws Throwable;
  }

  private final Task task;
  private volatile Throwable failure;

  private TestThread(String name, Task task) {
    super(name);
    this.task = task;
    setDaemon(true);
  }

  static TestThread start(String name, Task task) {
    TestThread thread = new TestThread(name, task);
    thread.start();
    return thread;
  }

  @Override
  public void run() {
    try {
      task.run();
    } catch (Throwable t) {
      failure = t;
    }
  }

  /** Joins within {@link #BOUND}; fails with the thread's stack if it did not end. */
  void joinOrFail() throws InterruptedException {
    join(BOUND.toMillis());
    if (isAlive()) {
      String stack =
          Arrays.stream(getStackTrace()).map(e -> "\n\tat " + e).collect(Collectors.joining());
      fail("thread '" + getName() + "' did not end within " + BOUND + " (hang):" + stack);
    }
    if (failure != null) {
      throw new AssertionError("thread '" + getName() + "' failed", failure);
    }
  }

  /** Awaits a barrier within the bound, failing instead of hanging; usable inside callbacks. */
  static void awaitBarrier(java.util.concurrent.CyclicBarrier barrier) {
    try {
      barrier.await(BOUND.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new AssertionError("barrier failed", e);
    }
  }

  /**
   * Awaits a latch within the bound, failing instead of hanging. Usable inside callbacks: an
   * interrupt is restored and reported as a failure.
   */
  static void await(java.util.concurrent.CountDownLatch latch, String what) {
    try {
      if (!latch.await(BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
        fail("timed out waiting for " + what);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for " + what, e);
    }
  }
}
