package dev.tether.testkit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the kit finds in Java-WebSocket 1.6.0's {@code WebSocketClient}, closed with
 * {@code closeBlocking()} ({@link JavaWebSocketSubjects}); recorded in
 * docs/testing-your-library.md. Violated: b (closeBlocking from inside {@code onMessage} waits
 * for a latch that only the calling read thread can count down: it hangs for ever), c (two
 * clients closing each other from their listeners both hang) and e (a listener blocked on the
 * closer's lock: closeBlocking hangs). Held: a, d (with {@code onClose} exactly once), f and g.
 * Each hang found leaves one of the client's daemon threads parked for good. With plain
 * {@code close()}, which does not wait, a is violated instead.
 */
class JavaWebSocketFindingsTest {
  private static LoopbackWebSocketServer server;
  private static SubjectFactory javaWebSocket;

  @BeforeAll
  static void start() throws InterruptedException {
    server = new LoopbackWebSocketServer();
    javaWebSocket = new JavaWebSocketSubjects(server, true);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void closeBlocking_fromInsideListener_detectedAsHung() {
    Findings.assertDetected(
        Check.CLOSE_FROM_LISTENER,
        javaWebSocket,
        "close() called from inside a listener did not return within 1000.00 ms",
        "on thread 'WebSocketConnectReadThread-",
        "WebSocketClient.closeBlocking");
  }

  @Test
  void closeBlocking_crossFromTwoListeners_detectedAsHung() {
    Findings.assertDetected(
        Check.CROSS_CLOSE,
        javaWebSocket,
        "cross-close in round",
        "did not return within 1000.00 ms (hung)",
        "WebSocketClient.closeBlocking");
  }

  @Test
  void closeBlocking_listenerBlockedOnClosersLock_detectedAsHungPastTheBound() {
    CheckResult result =
        Findings.assertDetected(
            Check.LISTENER_BLOCKED_ON_CLOSERS_LOCK,
            javaWebSocket,
            "thread 'testkit-closer-e-",
            "WebSocketConnectReadThread-");
    org.junit.jupiter.api.Assertions.assertTrue(
        result.verdict().startsWith("hung past the bound of 1000.00 ms"), result::message);
  }

  @Test
  void close_listenerRunning_detectedAsListenerStillRunningAfterReturn() {
    Findings.assertDetected(
        Check.NO_LISTENER_AFTER_CLOSE,
        new JavaWebSocketSubjects(server, false),
        "a listener ran after close() returned",
        "on thread 'WebSocketConnectReadThread-",
        "was still running when close() on thread");
  }

  @Test
  void closeBlocking_listenerRunning_holds() {
    Findings.assertHolds(Check.NO_LISTENER_AFTER_CLOSE, javaWebSocket);
  }

  @Test
  void closeBlocking_fromSeveralThreads_holdsWithOnCloseExactlyOnce() {
    Findings.assertHolds(Check.CONCURRENT_CLOSE, javaWebSocket);
  }

  @Test
  void onMessage_listenerThrows_holds() {
    Findings.assertHolds(Check.THROWING_LISTENER, javaWebSocket);
  }

  @Test
  void closeBlocking_leavesNoThread_holds() {
    Findings.assertHolds(Check.NO_LEAKS, javaWebSocket);
  }
}
