package dev.tether.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link StallWatch}'s schedule, on a clock the test supplies: the first report at the threshold,
 * each next one after twice the previous interval, none with reports off. Real waits are in
 * {@code StallReportTest}.
 */
class StallWatchTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  private final Logger logger = Logger.getLogger(StallWatch.LOGGER);
  private final List<String> reports = new ArrayList<>();
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          reports.add(record.getMessage());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };
  private @Nullable String previous;

  @BeforeEach
  void capture() {
    previous = System.getProperty(StallWatch.THRESHOLD_PROPERTY);
    logger.addHandler(capture);
  }

  @AfterEach
  void restore() {
    logger.removeHandler(capture);
    if (previous == null) {
      System.clearProperty(StallWatch.THRESHOLD_PROPERTY);
    } else {
      System.setProperty(StallWatch.THRESHOLD_PROPERTY, previous);
    }
  }

  @Test
  void check_overTime_reportsAtTheThresholdThenAfterDoublingIntervals() {
    System.setProperty(StallWatch.THRESHOLD_PROPERTY, "1000");
    StallWatch watch = new StallWatch(0);
    long[] reportedAt = {999, 1000, 2999, 3000, 6999, 7000};
    List<Integer> counts = new ArrayList<>();
    for (long at : reportedAt) {
      watch.check(at * MS, Thread.currentThread(), TARGET, List.of(Thread.currentThread()));
      counts.add(reports.size());
    }
    assertEquals(List.of(0, 1, 1, 2, 2, 3), counts, "reports at 1 s, 3 s, 7 s: " + reports);
    assertTrue(reports.get(0).contains("has waited 1.000 s for slot 'probe'"), reports.get(0));
  }

  @Test
  void check_thresholdZero_neverReports() {
    System.setProperty(StallWatch.THRESHOLD_PROPERTY, "0");
    StallWatch watch = new StallWatch(0);
    watch.check(
        TimeUnit.DAYS.toNanos(1), Thread.currentThread(), TARGET, List.of(Thread.currentThread()));
    assertEquals(List.of(), reports);
  }

  @Test
  void check_noBlockersLeft_reportsNothing() {
    System.setProperty(StallWatch.THRESHOLD_PROPERTY, "1");
    StallWatch watch = new StallWatch(0);
    watch.check(TimeUnit.SECONDS.toNanos(1), Thread.currentThread(), TARGET, List.of());
    assertEquals(List.of(), reports);
  }

  private static final Quiescible TARGET =
      new Quiescible() {
        @Override
        public void collectBlockers(
            @Nullable Thread excluded, Collection<Thread> out, boolean requestWake) {}

        @Override
        public boolean waitsForCallbacks() {
          return true;
        }

        @Override
        public String describe() {
          return "slot 'probe'";
        }

        @Override
        public String targetName() {
          return "probe";
        }

        @Override
        public Object identity() {
          return this;
        }
      };
}
