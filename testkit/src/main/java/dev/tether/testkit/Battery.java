package dev.tether.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Runs the checks of {@link Check} against a library through its {@link SubjectFactory}, within a
 * {@link Budget}, and reports a {@link CheckResult} in words.
 *
 * <p>Instances are not needed: the class is static and thread-safe, but checks should not run in
 * parallel with each other (check g counts the JVM's threads, and every check measures timing).
 *
 * <p>Blocking: {@link #run} blocks for at most about the budget's {@code time}, plus a few times
 * its {@code bound} per round (each wait for the library is bounded); it never waits for the
 * library without a bound. A library call that hangs past the bound is reported, and the thread
 * that made it (a kit daemon thread, or the library's own thread for a close from inside a
 * listener) is left where it hangs.
 *
 * <p>Exceptions and interrupts: what the adapter or the library throws becomes part of the verdict,
 * never an exception of {@code run}. If the calling thread is interrupted, the check stops and
 * fails with that reason, and the interrupt status is restored.
 *
 * @since 0.1.0
 */
public final class Battery {
  /** How long the first listener call of a round holds on at least once close() was called. */
  static final long HOLD_NANOS = Duration.ofMillis(2).toNanos();

  /** The most it holds on while a closing thread is still running (not parked, not done). */
  static final long MAX_HOLD_NANOS = Duration.ofMillis(50).toNanos();

  /** How long every other listener call works: wide enough for a race to show. */
  static final long WORK_NANOS = Duration.ofMillis(50).toNanos() / 1000;

  /** The most a round waits for a listener that might start after close() returned. */
  static final long GRACE_NANOS = Duration.ofMillis(50).toNanos();

  private Battery() {}

  /** Runs {@code check} on subjects from {@code factory} within {@code budget}. */
  public static CheckResult run(Check check, SubjectFactory factory, Budget budget) {
    Objects.requireNonNull(check, "check");
    Objects.requireNonNull(factory, "factory");
    Objects.requireNonNull(budget, "budget");
    long deadline = System.nanoTime() + budget.time().toNanos();
    Map<String, Integer> verdicts = new LinkedHashMap<>();
    List<String> notes = new ArrayList<>();
    int round = 0;
    do {
      round++;
      RoundResult result = round(check, factory, budget, round);
      if (!result.passed()) {
        return new CheckResult(check, false, result.verdict(), round, result.evidence());
      }
      verdicts.merge(result.verdict(), 1, Integer::sum);
      for (String note : result.evidence()) {
        if (!notes.contains(note) && notes.size() < 5) {
          notes.add(note);
        }
      }
    } while (round < budget.rounds() && System.nanoTime() - deadline < 0);
    StringBuilder verdict = new StringBuilder();
    verdicts.forEach(
        (text, rounds) ->
            verdict
                .append(verdict.length() == 0 ? "" : "; ")
                .append(text)
                .append(" (")
                .append(rounds)
                .append(rounds == 1 ? " round)" : " rounds)"));
    return new CheckResult(check, true, verdict.toString(), round, notes);
  }

  /** Runs every check in order, each within {@code budget}. */
  public static List<CheckResult> runAll(SubjectFactory factory, Budget budget) {
    List<CheckResult> results = new ArrayList<>();
    for (Check check : Check.values()) {
      results.add(run(check, factory, budget));
    }
    return results;
  }

  private static RoundResult round(Check check, SubjectFactory factory, Budget budget, int round) {
    try {
      return switch (check) {
        case NO_LISTENER_AFTER_CLOSE -> NoListenerAfterClose.round(factory, budget, round);
        case CLOSE_FROM_LISTENER -> CloseFromListener.round(factory, budget, round);
        case CROSS_CLOSE -> CrossClose.round(factory, budget, round);
        case CONCURRENT_CLOSE -> ConcurrentClose.round(factory, budget, round);
        case LISTENER_BLOCKED_ON_CLOSERS_LOCK -> BlockedOnClosersLock.round(factory, budget, round);
        case THROWING_LISTENER -> ThrowingListener.round(factory, budget, round);
        case NO_LEAKS -> NoLeaks.round(factory, budget, round);
      };
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return RoundResult.fail("the test thread was interrupted in round " + round, List.of());
    } catch (AdapterException e) {
      return RoundResult.fail(
          String.valueOf(e.getMessage()), List.of("cause: " + describe(e.getCause())));
    }
  }

  // ---- helpers shared by the checks ----

  /** Opens a subject through the adapter; its failure is the adapter's, not the library's. */
  static Subject open(SubjectFactory factory, String name, Recorder recorder) {
    try {
      return Objects.requireNonNull(factory.open(name, recorder), "open() returned null");
    } catch (Exception | Error e) {
      throw new AdapterException(
          "the adapter's open() failed for subject '"
              + name
              + "' in round "
              + recorder.round
              + ": fix the adapter before reading other verdicts",
          e);
    }
  }

  /** Fires one event through the adapter; its failure is the adapter's. */
  static void fire(Subject subject, Recorder recorder, String event) {
    try {
      subject.fire(event);
    } catch (Exception | Error e) {
      throw new AdapterException(
          "the adapter's fire() failed on subject '"
              + recorder.subject
              + "' in round "
              + recorder.round
              + ", before any close",
          e);
    }
  }

  /** Fails the round if no event reached the listener within the bound. */
  static void awaitFirstEvent(Recorder recorder, Flood flood, long boundNanos)
      throws InterruptedException {
    if (!recorder.firstEvent.await(boundNanos, java.util.concurrent.TimeUnit.NANOSECONDS)) {
      Exception failure = flood == null ? null : flood.failure();
      throw new AdapterException(
          "no event reached the listener of subject '"
              + recorder.subject
              + "' within "
              + millis(boundNanos)
              + " in round "
              + recorder.round
              + (flood == null ? "" : " (" + flood.fired() + " fired)")
              + ": check that the adapter registers the kit's listener and that fire() makes an "
              + "event happen",
          failure);
    }
  }

  /** Waits (bounded) for every recorded call to end, so that end times are known. */
  static void awaitQuiet(Recorder recorder, long boundNanos) throws InterruptedException {
    long deadline = System.nanoTime() + boundNanos;
    for (Invocation call : recorder.snapshot()) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || !call.awaitEnd(left)) {
        return;
      }
    }
  }

  /**
   * Evidence of calls that were running when a close returned at {@code returnedAt}, or started
   * after it; {@code exempt} (the call that made the close, if any) is allowed to run on.
   */
  static List<String> afterReturn(
      Recorder recorder, long returnedAt, String closeCall, @Nullable Invocation exempt) {
    List<String> evidence = new ArrayList<>();
    for (Invocation call : recorder.snapshot()) {
      if (call == exempt) {
        continue;
      }
      long end = call.endNanos();
      if (call.start - returnedAt > 0) {
        evidence.add(
            call.describe()
                + " started "
                + millis(call.start - returnedAt)
                + " after "
                + closeCall
                + " returned");
      } else if (end == 0) {
        evidence.add(
            call.describe()
                + " was still running when "
                + closeCall
                + " returned, and "
                + "had not ended "
                + millis(System.nanoTime() - returnedAt)
                + " later");
      } else if (end - returnedAt > 0) {
        evidence.add(
            call.describe()
                + " was still running when "
                + closeCall
                + " returned, and "
                + "ran on for "
                + millis(end - returnedAt));
      }
    }
    return evidence;
  }

  /**
   * Makes {@code recorder}'s listener hold its first call until {@code closeStarted} opens (within
   * {@code bound} ns) and then while {@code closers} run ({@link #holdWhileClosing}); every later
   * call works for {@link #WORK_NANOS}. Checks a and d: a close that does not wait returns while
   * the held call still runs.
   */
  static void holdFirstCallWhileClosing(
      Recorder recorder, CountDownLatch closeStarted, Iterable<Thread> closers, long bound) {
    AtomicBoolean held = new AtomicBoolean();
    recorder.behave(
        call -> {
          if (held.compareAndSet(false, true)) {
            await(closeStarted, bound);
            holdWhileClosing(closers);
          } else {
            spin(WORK_NANOS);
          }
        });
  }

  /**
   * Holds a listener call on while {@code closers} close: at least {@link #HOLD_NANOS}, and then
   * as long as one of them is still running (not parked, so not waiting for this call), up to
   * {@link #MAX_HOLD_NANOS}. A close that does not wait therefore returns while this call runs,
   * even when the closing thread is slow (class loading, a loaded machine); a close that waits
   * parks, and the call ends soon after.
   */
  static void holdWhileClosing(Iterable<Thread> closers) {
    long start = System.nanoTime();
    while (true) {
      long held = System.nanoTime() - start;
      if (held >= MAX_HOLD_NANOS) {
        return;
      }
      if (held >= HOLD_NANOS && noneRunning(closers)) {
        return;
      }
      Thread.onSpinWait();
    }
  }

  private static boolean noneRunning(Iterable<Thread> threads) {
    for (Thread thread : threads) {
      if (thread.getState() == Thread.State.RUNNABLE) {
        return false;
      }
    }
    return true;
  }

  static void spin(long nanos) {
    long until = System.nanoTime() + nanos;
    while (System.nanoTime() - until < 0) {
      Thread.onSpinWait();
    }
  }

  static String millis(long nanos) {
    return String.format(java.util.Locale.ROOT, "%.2f ms", nanos / 1e6);
  }

  static String describe(@Nullable Throwable thrown) {
    if (thrown == null) {
      return "nothing";
    }
    String text = thrown.getClass().getName();
    String message = thrown.getMessage();
    if (message != null) {
      text += ": " + (message.length() <= 200 ? message : message.substring(0, 200) + "...");
    }
    return text;
  }

  /**
   * The thread's name, state, top frame, and the next frames outside the JDK (the library's and
   * the test's): where it hangs, without the lock internals.
   */
  static String stack(Thread thread) {
    StringBuilder text =
        new StringBuilder("thread '")
            .append(thread.getName())
            .append("' (")
            .append(thread.getState())
            .append(')');
    StackTraceElement[] frames = thread.getStackTrace();
    int shown = 0;
    for (int i = 0; i < frames.length && shown < 6; i++) {
      String type = frames[i].getClassName();
      boolean jdk = type.startsWith("java.") || type.startsWith("jdk.") || type.startsWith("sun.");
      if (i == 0 || !jdk) {
        text.append(shown == 0 ? " at " : " <- ")
            .append(type.substring(type.lastIndexOf('.') + 1))
            .append('.')
            .append(frames[i].getMethodName());
        if (frames[i].getLineNumber() >= 0) {
          text.append(':').append(frames[i].getLineNumber());
        }
        shown++;
      }
    }
    return text.toString();
  }

  /** A bounded wait inside a listener: an interrupt ends it and is kept for the library. */
  static boolean await(java.util.concurrent.CountDownLatch latch, long nanos) {
    try {
      return latch.await(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** A failure of the adapter (open, fire), reported as such rather than as the library's. */
  static final class AdapterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AdapterException(String message, @Nullable Throwable cause) {
      super(message, cause);
    }
  }
}
