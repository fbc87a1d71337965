package dev.tether.samples.websocket;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/** The one place these tests wait for another thread; every wait is bounded. */
final class Awaits {
  /** Long enough for a loaded 2-core CI machine; a hang fails the test instead of CI. */
  static final Duration TIMEOUT = Duration.ofSeconds(20);

  private Awaits() {}

  static ConditionFactory await() {
    return Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(5));
  }

  /**
   * For a wait made once per message inside a listener: checks at once, then every millisecond,
   * on the calling thread, so thousands of such waits stay fast and need no extra threads.
   */
  static ConditionFactory awaitInListener() {
    return Awaitility.await()
        .atMost(TIMEOUT)
        .pollInSameThread()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(1));
  }

  static void await(CountDownLatch latch, String what) {
    await(latch, what, () -> "");
  }

  /** As {@link #await(CountDownLatch, String)}; on timeout the message adds {@code context}. */
  static void await(CountDownLatch latch, String what, Supplier<String> context) {
    try {
      if (!latch.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        fail("timed out: " + what + "\n" + context.get() + "\n" + threadDump());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail("interrupted while waiting: " + what);
    }
  }

  /** The future's value; fails the test on timeout, rethrows its failure as ExecutionException. */
  static <T> T get(Future<T> future, String what) throws ExecutionException {
    try {
      return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return fail("timed out: " + what + "\n" + threadDump());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fail("interrupted while waiting: " + what);
    }
  }

  static void join(Thread thread, String what) {
    try {
      thread.join(TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail("interrupted while waiting: " + what);
    }
    if (thread.isAlive()) {
      fail("timed out: " + what + "\n" + threadDump());
    }
  }

  /**
   * Every thread's state, what it is parked on, and its stack: what a timed-out wait leaves for
   * whoever reads the CI log, since the state is gone once the test fails. java.base only (the
   * samples module does not read java.management), so monitors show as BLOCKED without owner.
   */
  static String threadDump() {
    StringBuilder dump = new StringBuilder("thread dump at the timeout:\n");
    Thread.getAllStackTraces()
        .forEach(
            (thread, stack) -> {
              dump.append('"').append(thread.getName()).append("\" ").append(thread.getState());
              Object blocker = LockSupport.getBlocker(thread);
              if (blocker != null) {
                dump.append(" parked on ").append(blocker);
              }
              dump.append('\n');
              for (StackTraceElement frame : stack) {
                dump.append("    at ").append(frame).append('\n');
              }
            });
    return dump.toString();
  }
}
