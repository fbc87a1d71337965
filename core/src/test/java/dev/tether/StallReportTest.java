package dev.tether;

import static dev.tether.Asserts.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;

/**
 * Stall reports (issue 18): a wait that lasts past {@code dev.tether.stallReportMillis} while its
 * blockers run is logged on {@code dev.tether.Stall} and recorded as
 * {@code dev.tether.WaitStalled}, once and then at doubling intervals, and goes on unchanged.
 * The threshold is 50 ms here; nothing sleeps: the tests wait for the reports themselves.
 */
class StallReportTest {
  private static final Pattern WAITED = Pattern.compile("has waited (\\d+\\.\\d+) s");

  @Test
  void reset_waitingPastTheThreshold_reportsThenReportsAgainAfterTwiceTheIntervalAndGoesOn()
      throws Throwable {
    CallbackSlot<String> slot = CallbackSlot.create("server/conn-42/onMessage");
    HeldCallback<String> held = HeldCallback.inFlight(slot, "x", "io-thread");
    List<String> reports;
    TestThread resetter;
    try (StallLog log = new StallLog(50)) {
      resetter = TestThread.start("resetter", slot::reset);
      reports = log.await(2);
      assertTrue(resetter.isAlive(), "a report must not end the wait");
    } finally {
      held.release();
    }
    resetter.joinOrFail();
    held.join();
    String first = reports.get(0);
    assertContains(first, "thread 'resetter' has waited");
    assertContains(
        first,
        "for slot 'server/conn-42/onMessage', still running on thread"
            + " 'io-thread'; the wait goes on");
    assertContains(first, "thread 'io-thread' (");
    assertContains(first, "dev.tether.HeldCallback.accept(");
    double firstWaited = waited(first);
    double secondWaited = waited(reports.get(1));
    assertTrue(firstWaited >= 0.050, "first report before the threshold: " + first);
    assertTrue(
        secondWaited - firstWaited >= 0.100 - 0.001,
        "second report sooner than twice the threshold after the first: " + reports);
  }

  @Test
  void close_waitingForAnotherClosersWalk_reportsTheLifecyclePathAndTheClosingThread()
      throws Throwable {
    Lifecycle app = Lifecycle.root("app");
    CountDownLatch closing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    app.child("db")
        .own(
            () -> {
              closing.countDown();
              TestThread.await(release, "release of the stuck resource");
            });
    TestThread first = TestThread.start("first-closer", app::close);
    TestThread.await(closing, "the first close to reach the resource");
    List<String> reports;
    TestThread second;
    try (StallLog log = new StallLog(50)) {
      second = TestThread.start("second-closer", app::close);
      reports = log.await(1);
      assertTrue(second.isAlive(), "a report must not end the wait");
    } finally {
      release.countDown();
    }
    first.joinOrFail();
    second.joinOrFail();
    assertContains(reports.get(0), "thread 'second-closer' has waited");
    assertContains(
        reports.get(0),
        "for the close of lifecycle 'app', still running on thread" + " 'first-closer'");
  }

  @Test
  void reset_stalled_isRecordedAsWaitStalledEvent() throws Throwable {
    CallbackSlot<String> slot = CallbackSlot.create("conn-7/onData");
    List<RecordedEvent> events =
        JfrEvents.during(
            "dev.tether.WaitStalled",
            () -> {
              HeldCallback<String> held = HeldCallback.inFlight(slot, "x", "io-7");
              TestThread resetter;
              try (StallLog log = new StallLog(50)) {
                resetter = TestThread.start("resetter-7", slot::reset);
                log.await(1);
              } finally {
                held.release();
              }
              resetter.joinOrFail();
              held.join();
            });
    assertTrue(!events.isEmpty(), "no WaitStalled event");
    RecordedEvent event = events.get(0);
    assertEquals("conn-7/onData", event.getString("target"));
    assertEquals("thread 'resetter-7'", event.getString("waitingThread"));
    assertEquals("thread 'io-7'", event.getString("blockingThreads"));
    assertContains(event.getString("blockingStack"), "dev.tether.HeldCallback.accept(");
    assertTrue(event.getDuration("waited").toMillis() >= 50, "waited " + event);
    assertTrue(event.getEventType().getCategoryNames().contains("Tether"));
  }

  private static double waited(String report) {
    Matcher matcher = WAITED.matcher(report);
    assertTrue(matcher.find(), report);
    return Double.parseDouble(matcher.group(1));
  }
}
