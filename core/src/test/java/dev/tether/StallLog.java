package dev.tether;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Captures the stall reports logged on {@code dev.tether.Stall} (System.Logger routes to
 * java.util.logging here) and sets the stall threshold for the test; restores both on close.
 */
final class StallLog extends Handler implements AutoCloseable {
  private static final String THRESHOLD = "dev.tether.stallReportMillis";

  private final Logger logger = Logger.getLogger("dev.tether.Stall"); // strong: keeps the handler
  private final List<String> messages = new ArrayList<>();
  private final String previousThreshold;

  /** Captures reports, with the threshold set to {@code thresholdMillis}. */
  StallLog(long thresholdMillis) {
    previousThreshold = System.getProperty(THRESHOLD);
    System.setProperty(THRESHOLD, Long.toString(thresholdMillis));
    logger.addHandler(this);
  }

  @Override
  public synchronized void publish(LogRecord record) {
    messages.add(record.getMessage());
    notifyAll();
  }

  /** Waits, within the tests' bound, until {@code count} reports are logged; returns them. */
  synchronized List<String> await(int count) throws InterruptedException {
    long deadline = System.nanoTime() + TestThread.BOUND.toNanos();
    while (messages.size() < count) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError(
            "expected "
                + count
                + " stall reports within "
                + TestThread.BOUND
                + ", got "
                + messages);
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return new ArrayList<>(messages);
  }

  /** The reports so far. */
  synchronized List<String> messages() {
    return new ArrayList<>(messages);
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    logger.removeHandler(this);
    if (previousThreshold == null) {
      System.clearProperty(THRESHOLD);
    } else {
      System.setProperty(THRESHOLD, previousThreshold);
    }
  }
}
