package dev.tether.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the kit finds in the JDK's {@link java.net.http.WebSocket} client, closed with
 * {@code abort()} ({@link JdkWebSocketSubjects}); recorded in docs/testing-your-library.md.
 * Violated: a and d ({@code abort()} returns while {@code onText} still runs), f (a listener that
 * throws ends the socket: the JDK documents that it then calls {@code onError}, its last call).
 * Held: b, c, e (abort never waits, so it cannot hang) and g.
 */
class JdkWebSocketFindingsTest {
  private static LoopbackWebSocketServer server;
  private static SubjectFactory jdk;

  @BeforeAll
  static void start() throws InterruptedException {
    server = new LoopbackWebSocketServer();
    jdk = new JdkWebSocketSubjects(server);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void abort_listenerRunning_detectedAsListenerStillRunningAfterReturn() {
    Findings.assertDetected(
        Check.NO_LISTENER_AFTER_CLOSE,
        jdk,
        "a listener ran after close() returned",
        "on thread 'HttpClient-",
        "was still running when close() on thread 'testkit-closer-a-",
        "ran on for");
  }

  @Test
  void abort_fromSeveralThreads_detectedAsCallersReturningWhileListenerRuns() {
    Findings.assertDetected(
        Check.CONCURRENT_CLOSE,
        jdk,
        "4 threads called close() at once",
        "was still running when close() on thread 'testkit-closer-d-");
  }

  @Test
  void onText_listenerThrows_detectedAsLaterEventsStopping() {
    Findings.assertDetected(
        Check.THROWING_LISTENER,
        jdk,
        "later events stopped arriving",
        "threw ListenerFailure; then 0 of 3 later events arrived");
  }

  @Test
  void abort_fromInsideListener_holds() {
    Findings.assertHolds(Check.CLOSE_FROM_LISTENER, jdk);
  }

  @Test
  void abort_crossFromTwoListeners_holds() {
    Findings.assertHolds(Check.CROSS_CLOSE, jdk);
  }

  @Test
  void abort_listenerBlockedOnClosersLock_returns() {
    CheckResult result = Findings.assertHolds(Check.LISTENER_BLOCKED_ON_CLOSERS_LOCK, jdk);
    assertEquals(
        "returned", result.verdict().replaceAll(" \\(\\d+ rounds?\\)$", ""), result::message);
  }

  @Test
  void abort_leavesNoThread_holds() {
    Findings.assertHolds(Check.NO_LEAKS, jdk);
  }
}
