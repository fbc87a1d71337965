package dev.tether.testkit;

import java.util.concurrent.CountDownLatch;

/**
 * One call of the kit's listener: which event, on which thread, when it started and ended.
 * Written by the listener's thread, read by the check's thread.
 */
/*
 * Implementation notes
 *
 * `end` is 0 while the call runs and its end time after (System.nanoTime() is never 0 in
 * practice; a call ending at exactly 0 would read as still running, a harmless false alarm the
 * `ended` latch resolves). `ended` is counted down after `end` is written, so a reader that saw it
 * open may wait on it, and one that finds it at zero reads the final `end`.
 */
final class Invocation {
  final String subject;
  final int round;
  final int index;
  final String event;
  final Thread thread;
  final long start;
  private volatile long end;
  private final CountDownLatch ended = new CountDownLatch(1);

  Invocation(String subject, int round, int index, String event, Thread thread, long start) {
    this.subject = subject;
    this.round = round;
    this.index = index;
    this.event = event;
    this.thread = thread;
    this.start = start;
  }

  void end(long at) {
    end = at;
    ended.countDown();
  }

  /** The end time, or 0 while the call runs. */
  long endNanos() {
    return end;
  }

  boolean awaitEnd(long nanos) throws InterruptedException {
    return ended.await(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /** E.g. {@code round 3, event #17 'r3-e17' of subject 'a-3' on thread 'HttpClient-1-Worker-0'}. */
  String describe() {
    return "round "
        + round
        + ", event #"
        + index
        + " '"
        + event
        + "' of subject '"
        + subject
        + "' on thread '"
        + thread.getName()
        + "'";
  }
}
