package dev.tether.samples.gallery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * Runs each case's two sides and the whole gallery. A naive side must show its failure (a hang
 * confirmed in the locks, or a lost event); a Tether side must keep its promise.
 */
class DeadlockGalleryTest {
  private static final Duration NAIVE = DeadlockGallery.NAIVE_BOUND;
  private static final Duration TETHER = DeadlockGallery.TETHER_BOUND;

  @Test
  void runNaive_crossReset_hangsWithEachThreadWaitingForTheOther() {
    Outcome outcome = new CrossResetCase().runNaive(NAIVE);

    assertEquals(Outcome.Kind.HUNG, outcome.kind(), outcome.summary());
    assertTrue(
        outcome.summary().contains("'naive-A' waits for slot Y's mutex, held by 'naive-B'"),
        outcome.summary());
    assertTrue(
        outcome.summary().contains("'naive-B' waits for slot X's mutex, held by 'naive-A'"),
        outcome.summary());
    assertAbandonedAndStuck(outcome, 2);
  }

  @Test
  void runTether_crossReset_completesWithExactlyOneSkippedWait() {
    Outcome outcome = new CrossResetCase().runTether(TETHER);

    assertEquals(Outcome.Kind.COMPLETED, outcome.kind(), outcome.summary());
    assertTrue(
        outcome.summary().contains("found the wait cycle and skipped its wait"), outcome.summary());
    assertTrue(outcome.abandoned().isEmpty());
  }

  @Test
  void runNaive_closeFromCallback_hangsWithTheProcessorJoiningItself() {
    Outcome outcome = new CloseFromCallbackCase().runNaive(NAIVE);

    assertEquals(Outcome.Kind.HUNG, outcome.kind(), outcome.summary());
    assertTrue(outcome.summary().contains("'naive-processor'"), outcome.summary());
    assertAbandonedAndStuck(outcome, 1);
  }

  @Test
  void runTether_closeFromCallback_completesAndTheConnectionIsClosed() {
    Outcome outcome = new CloseFromCallbackCase().runTether(TETHER);

    assertEquals(Outcome.Kind.COMPLETED, outcome.kind(), outcome.summary());
    assertTrue(
        outcome.summary().contains("on 'tether-processor'; the connection is CLOSED"),
        outcome.summary());
  }

  @Test
  void runNaive_userLock_hangsWithResetterAndCallbackWaitingForEachOther() {
    Outcome outcome = new UserLockCase().runNaive(NAIVE);

    assertEquals(Outcome.Kind.HUNG, outcome.kind(), outcome.summary());
    assertTrue(
        outcome
            .summary()
            .contains("'naive-app' waits for onMessage's mutex, held by" + " 'naive-io'"),
        outcome.summary());
    assertTrue(
        outcome
            .summary()
            .contains("'naive-io' waits for the session lock, held by" + " 'naive-app'"),
        outcome.summary());
    assertAbandonedAndStuck(outcome, 2);
  }

  @Test
  void runTether_userLock_throwsCallbackDeadlockExceptionNamingSlotThreadsAndLock() {
    Outcome outcome = new UserLockCase().runTether(TETHER);

    assertEquals(Outcome.Kind.DEADLOCK_REPORTED, outcome.kind(), outcome.summary());
    String summary = outcome.summary();
    assertTrue(
        summary.contains(
            "CallbackDeadlockException: waiting for a callback of slot"
                + " 'onMessage' on thread 'tether-app' would deadlock"),
        summary);
    assertTrue(
        summary.contains(
            "it waits for thread 'tether-io', which is blocked on"
                + " java.util.concurrent.locks.ReentrantLock"),
        summary);
    assertTrue(summary.contains("the stuck call finished"), summary);
    assertTrue(outcome.abandoned().isEmpty());
  }

  @Test
  void runNaive_concurrentClose_losesOnClosed() {
    Outcome outcome = new ConcurrentCloseCase().runNaive(NAIVE);

    assertEquals(Outcome.Kind.EVENT_LOST, outcome.kind(), outcome.summary());
    assertTrue(outcome.summary().contains("onClosed fired 0 times"), outcome.summary());
    assertTrue(outcome.summary().contains("0 of 2 closers saw it"), outcome.summary());
  }

  @Test
  void runTether_concurrentClose_firesOnClosedOnceBeforeEitherCloseReturns() {
    Outcome outcome = new ConcurrentCloseCase().runTether(TETHER);

    assertEquals(Outcome.Kind.COMPLETED, outcome.kind(), outcome.summary());
    assertTrue(
        outcome.summary().contains("onClosed fired exactly once; 2 of 2 closers saw it"),
        outcome.summary());
    assertTrue(
        outcome
            .summary()
            .contains(
                "'tether-closer-2' called close() while"
                    + " 'tether-closer-1' was closing, was seen parked inside it"),
        outcome.summary());
  }

  /** Regression: a Tether run in which the race did not happen used to pass as COMPLETED. */
  @Test
  void raceNotSeen_loserNeverParkedInClose_saysTheInterleavingDidNotHappen() {
    CountDownLatch release = new CountDownLatch(1);
    Thread elsewhere = Waits.daemon("parked-elsewhere", () -> Waits.await(release, TETHER));
    try {
      Optional<String> reason =
          ConcurrentCloseCase.raceNotSeen(elsewhere, new CountDownLatch(2), Duration.ofMillis(100));

      assertEquals(
          Optional.of(
              "'parked-elsewhere' was not seen parked inside close() within"
                  + " 0.1 s: the forced interleaving did not happen"),
          reason);
    } finally {
      release.countDown();
    }
  }

  @Test
  void raceNotSeen_aCloserReturnedWhileTheWinnerWasClosing_saysThePromiseWasBroken() {
    Optional<String> reason =
        ConcurrentCloseCase.raceNotSeen(
            Thread.currentThread(), new CountDownLatch(1), Duration.ofMillis(100));

    assertTrue(
        reason
            .orElseThrow()
            .startsWith("a closer returned from close() while the winner" + " was still closing"),
        reason::toString);
  }

  @Test
  void run_everyCase_exitsZeroAndReportsEveryCase() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    int code = DeadlockGallery.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));

    String output = bytes.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, output);
    for (GalleryCase galleryCase : DeadlockGallery.cases()) {
      assertTrue(output.contains(galleryCase.title()), () -> galleryCase.title() + "\n" + output);
    }
    assertTrue(output.contains("Exit 0."), output);
  }

  @Test
  void run_naiveSideThatDoesNotFail_exitsOneNamingTheCase() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    GalleryCase harmless =
        new GalleryCase() {
          @Override
          public String title() {
            return "a design that works";
          }

          @Override
          public String reports() {
            return "no issue";
          }

          @Override
          public Outcome.Kind naiveFailure() {
            return Outcome.Kind.HUNG;
          }

          @Override
          public Outcome.Kind tetherPromise() {
            return Outcome.Kind.COMPLETED;
          }

          @Override
          public Outcome runNaive(Duration bound) {
            return Outcome.completed("returned at once");
          }

          @Override
          public Outcome runTether(Duration bound) {
            throw new IllegalStateException("boom");
          }
        };

    int code =
        DeadlockGallery.run(
            new PrintStream(bytes, true, StandardCharsets.UTF_8), List.of(harmless), NAIVE, TETHER);

    String output = bytes.toString(StandardCharsets.UTF_8);
    assertEquals(1, code, output);
    assertTrue(
        output.contains(
            "1. a design that works: the naive design showed COMPLETED," + " expected HUNG"),
        output);
    assertTrue(
        output.contains(
            "1. a design that works: Tether showed UNEXPECTED, expected" + " COMPLETED"),
        output);
    assertTrue(output.contains("threw java.lang.IllegalStateException: boom"), output);
  }

  /** The hung threads are reported, are daemons, and are still blocked (not merely slow). */
  private static void assertAbandonedAndStuck(Outcome outcome, int threads) {
    assertEquals(threads, outcome.abandoned().size(), outcome.abandoned().toString());
    for (Thread thread : outcome.abandoned()) {
      assertTrue(thread.isDaemon(), thread::getName);
      assertTrue(thread.isAlive(), thread::getName);
      Thread.State state = thread.getState();
      assertTrue(
          state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING,
          () -> thread.getName() + " is " + state);
    }
  }
}
