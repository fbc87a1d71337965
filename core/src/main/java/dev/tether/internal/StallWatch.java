package dev.tether.internal;

import dev.tether.internal.events.WaitStalledEvent;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Watches one wait and reports it while it stalls: once the wait has lasted the stall threshold
 * with its blockers still running, then again each time the interval since the last report has
 * doubled. A report is a {@code System.Logger} WARNING on {@value #LOGGER} and a
 * {@code dev.tether.WaitStalled} JFR event; it never changes the wait.
 *
 * <p><b>Note:</b> not thread-safe: it belongs to the waiting thread, which calls it between its
 * own timed parks, so no thread is ever started for it.
 */
/*
 * Implementation notes
 *
 * The threshold is read once per wait from the system property, so a test (or an operator, with
 * a JMX-set property) can change it for later waits; a value of 0 or less turns reports off, and
 * a value that is not a number means the default (Long.getLong's rule). The waiter parks for at
 * most WaitForGraph.MAX_PARK_NANOS (10 ms) at a time, so a report is late by at most that.
 * Building a report reads the blockers' stacks (a handshake with each), which happens at most
 * once per doubling interval per wait.
 */
final class StallWatch {
  /** The system property that sets the threshold in milliseconds. */
  static final String THRESHOLD_PROPERTY = "dev.tether.stallReportMillis";

  static final long DEFAULT_THRESHOLD_MILLIS = 10_000;
  static final String LOGGER = "dev.tether.Stall";

  private final long started;

  /** Nanoseconds from the last report to the next; 0 when reports are off. */
  private long interval;

  private long nextReport;

  StallWatch(long now) {
    long millis = Long.getLong(THRESHOLD_PROPERTY, DEFAULT_THRESHOLD_MILLIS);
    this.started = now;
    this.interval = millis > 0 ? TimeUnit.MILLISECONDS.toNanos(millis) : 0;
    this.nextReport = now + interval;
  }

  /**
   * Reports the wait if it is due: {@code blockers} are the threads {@code waiter} found still
   * running at its last check.
   */
  void check(long now, Thread waiter, Quiescible target, List<Thread> blockers) {
    if (interval == 0 || now - nextReport < 0 || blockers.isEmpty()) {
      return;
    }
    try {
      report(now - started, waiter, target, blockers);
    } catch (RuntimeException reportFailed) {
      // A logging handler or a recording failed: the wait must go on unchanged, and there is
      // nowhere else to report the failure of a report.
    }
    interval = interval > Long.MAX_VALUE / 4 ? interval : interval * 2;
    nextReport = now + interval;
  }

  private static void report(long waited, Thread waiter, Quiescible target, List<Thread> blockers) {
    StringBuilder names = new StringBuilder();
    StringBuilder stacks = new StringBuilder();
    for (Thread blocker : blockers) {
      if (names.length() > 0) {
        names.append(", ");
        stacks.append('\n');
      }
      names.append(ThreadNames.describe(blocker));
      stacks.append(ThreadNames.describe(blocker)).append(" (").append(blocker.getState());
      Object parkedOn = LockSupport.getBlocker(blocker);
      if (parkedOn != null) {
        stacks
            .append(", parked on ")
            .append(parkedOn.getClass().getName())
            .append('@')
            .append(Integer.toHexString(System.identityHashCode(parkedOn)));
      }
      stacks.append(')');
      StackExcerpt.appendTo(stacks, blocker.getStackTrace(), "  ");
    }
    String message =
        String.format(
            Locale.ROOT,
            "%s has waited %.3f s for %s, still running on %s; the wait goes on%n%s",
            ThreadNames.describe(waiter),
            waited / 1e9,
            target.describe(),
            names,
            stacks);
    System.getLogger(LOGGER).log(Level.WARNING, message);
    WaitStalledEvent event = new WaitStalledEvent();
    if (event.shouldCommit()) {
      event.target = target.targetName();
      event.waitingThread = ThreadNames.describe(waiter);
      event.waited = waited;
      event.blockingThreads = names.toString();
      event.blockingStack = stacks.toString();
      event.commit();
    }
  }
}
