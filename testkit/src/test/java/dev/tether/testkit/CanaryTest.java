package dev.tether.testkit;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.testkit.NaiveSubject.Mode;
import org.junit.jupiter.api.Test;

/**
 * Every check can fail: each of libdatachannel's failure modes ({@link NaiveSubject.Mode}) is
 * caught by the check that targets it, with a verdict in words and evidence naming the round, the
 * event, the threads and the time after {@code close()} returned.
 */
class CanaryTest {
  private static CheckResult run(Check check, Mode mode) {
    CheckResult result = Battery.run(check, NaiveSubject.factory(mode), Budget.quick());
    assertFalse(
        result.passed(), () -> "the canary " + mode + " was not caught:\n" + result.message());
    return result;
  }

  private static void assertMentions(CheckResult result, String... words) {
    String message = result.message();
    assertAll(
        java.util.Arrays.stream(words)
            .map(
                word ->
                    () ->
                        assertTrue(
                            message.contains(word),
                            () -> "the report should mention '" + word + "':\n" + message)));
  }

  @Test
  void noListenerAfterClose_closeThatDoesNotWait_isCaughtWithTimeAfterReturn() {
    CheckResult result = run(Check.NO_LISTENER_AFTER_CLOSE, Mode.NO_WAIT);
    assertMentions(
        result,
        "a listener ran after close() returned",
        "in round",
        "on thread 'naive-dispatch-a-",
        "close() on thread 'testkit-closer-a-",
        "was still running when",
        "ran on for");
  }

  @Test
  void closeFromListener_closeThatWaitsForItself_isCaughtAsHung() {
    CheckResult result = run(Check.CLOSE_FROM_LISTENER, Mode.WAITS_FOR_ITSELF);
    assertMentions(
        result,
        "did not return within 1000.00 ms",
        "(hung",
        "on thread 'naive-dispatch-b-",
        "awaitNoListener");
  }

  @Test
  void crossClose_closeThatWaitsForOtherSubjectsListener_isCaughtAsHung() {
    CheckResult result = run(Check.CROSS_CLOSE, Mode.WAITS_FOR_OTHERS);
    assertMentions(
        result,
        "with both listeners running at the same moment",
        "on thread 'naive-dispatch-c-",
        "-A' called close() on subject 'c-",
        "-B' called close() on subject 'c-",
        "did not return within");
  }

  @Test
  void concurrentClose_checkThenActClosingFlag_isCaughtWithEarlyReturnOrDoubleNotification() {
    CheckResult result = run(Check.CONCURRENT_CLOSE, Mode.CHECK_THEN_ACT);
    assertMentions(result, "4 threads called close() at once");
    // Usually a late caller returns at once while the listener runs; if every caller passed the
    // flag before any set it, they all waited, and the closed notification fired more than once.
    String message = result.message();
    assertTrue(
        message.contains("was still running when close() on thread 'testkit-closer-d-")
            || message.contains("the closed notification fired"),
        message);
  }

  @Test
  void blockedOnClosersLock_closeThatWaitsForever_isCaughtAsHungPastTheBound() {
    CheckResult result = run(Check.LISTENER_BLOCKED_ON_CLOSERS_LOCK, Mode.WAITS_FOR_OTHERS);
    assertTrue(result.verdict().startsWith("hung past the bound of 1000.00 ms"), result::message);
    assertMentions(
        result,
        "thread 'testkit-closer-e-",
        "on thread 'naive-dispatch-e-",
        "once the kit interrupted the listener's thread");
  }

  @Test
  void throwingListener_dispatchThreadDiesOnThrow_isCaughtWithMissingEvents() {
    CheckResult result = run(Check.THROWING_LISTENER, Mode.DIES_ON_THROW);
    assertMentions(
        result,
        "later events stopped arriving",
        "threw ListenerFailure",
        "0 of 3 later events arrived");
  }

  @Test
  void noLeaks_dispatchThreadNeverStopped_isCaughtNamingTheThread() {
    CheckResult result = run(Check.NO_LEAKS, Mode.LEAKS_THREAD);
    assertMentions(
        result, "thread 'naive-dispatch-g-", "was still alive", "after close() returned");
  }

  @Test
  void noLeaks_lifecycleNodeNeverClosed_isCaughtNamingTheNode() {
    CheckResult result = run(Check.NO_LEAKS, Mode.LEAKS_NODE);
    assertMentions(
        result, "lifecycle node 'naive/g-", "was OPEN, not CLOSED", "is still a child of 'naive'");
  }

  @Test
  void checkValues_everyCheck_hasACanary() {
    // The table above, as data: a new check without a canary fails here.
    java.util.Set<Check> covered =
        java.util.EnumSet.of(
            Check.NO_LISTENER_AFTER_CLOSE,
            Check.CLOSE_FROM_LISTENER,
            Check.CROSS_CLOSE,
            Check.CONCURRENT_CLOSE,
            Check.LISTENER_BLOCKED_ON_CLOSERS_LOCK,
            Check.THROWING_LISTENER,
            Check.NO_LEAKS);
    assertTrue(covered.containsAll(java.util.EnumSet.allOf(Check.class)));
  }
}
