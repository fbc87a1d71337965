package dev.tether.samples.gallery;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Bounded waits and daemon threads: nothing in the gallery waits without a bound. */
final class Waits {
  /**
   * How long a set-up step may take: a thread starting, or reaching the point where a case's
   * forced interleaving is in place. Never part of a measured bound: a loaded machine may take
   * long to get there, but once there the naive design fails and Tether keeps its promise under
   * any scheduling, so only a broken run ever waits this out. A hang bound or a Tether bound is
   * measured from the moment the interleaving is in place, not from the start of the run.
   */
  static final Duration SET_UP = Duration.ofSeconds(30);

  private Waits() {}

  /** Starts a daemon thread: a naive run that hangs abandons it, and the JVM can still exit. */
  static Thread daemon(String name, Runnable body) {
    Thread thread = unstarted(name, body);
    thread.start();
    return thread;
  }

  /** A daemon thread, not started. */
  static Thread unstarted(String name, Runnable body) {
    Thread thread = new Thread(body, name);
    thread.setDaemon(true);
    return thread;
  }

  /** Awaits {@code latch} at most {@code bound}; returns whether it opened. */
  static boolean await(CountDownLatch latch, Duration bound) {
    try {
      return latch.await(bound.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Waits at most {@code bound} for {@code condition}, which is about other threads' states
   * (lock queues, thread states) that no latch can signal; re-checks every millisecond.
   */
  static boolean until(BooleanSupplier condition, Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    return true;
  }

  /** Whether {@code thread} is parked or waiting (not running, not blocked on a monitor). */
  static boolean isParked(Thread thread) {
    Thread.State state = thread.getState();
    return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
  }

  /**
   * Whether {@code thread} is parked inside {@code method} of {@code type}, a method it calls
   * once: the frame is seen before and after the thread state, so the park happened inside it.
   */
  static boolean isParkedIn(Thread thread, Class<?> type, String method) {
    return isIn(thread, type, method) && isParked(thread) && isIn(thread, type, method);
  }

  private static boolean isIn(Thread thread, Class<?> type, String method) {
    for (StackTraceElement frame : thread.getStackTrace()) {
      if (frame.getClassName().equals(type.getName()) && frame.getMethodName().equals(method)) {
        return true;
      }
    }
    return false;
  }

  /** "1.0 s". */
  static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
  }

  /** Milliseconds since {@code startNanos}, as "3.2 ms". */
  static String since(long startNanos) {
    return millis(System.nanoTime() - startNanos);
  }

  /** "3.2 ms". */
  static String millis(long nanos) {
    return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
  }
}
