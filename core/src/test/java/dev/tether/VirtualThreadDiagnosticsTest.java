package dev.tether;

import static dev.tether.Asserts.assertContains;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

/**
 * Issue 18 on virtual threads: a virtual callback thread blocked on a lock is detected where the
 * JDK exposes the lock's owner, reported as a stall where it does not, and named by its id.
 * Compiled for Java 17; runs on Java 21+ (CI: Temurin 25), skipped with that reason on 17.
 */
@EnabledForJreRange(
    min = JRE.JAVA_21,
    disabledReason = "virtual threads need Java 21+; run with JAVA_HOME set to a JDK 21+")
class VirtualThreadDiagnosticsTest {

  @Test
  void reset_virtualCallbackBlockedOnLockThePlatformResetterHolds_throwsCallbackDeadlock()
      throws Throwable {
    ReentrantLock userLock = new ReentrantLock();
    CallbackSlot<String> slot = CallbackSlot.create("conn-9/onMessage");
    CountDownLatch entered = new CountDownLatch(1);
    slot.set(
        v -> {
          entered.countDown();
          userLock.lock();
          userLock.unlock();
        });
    Thread callbackThread;
    CallbackDeadlockException e;
    userLock.lock();
    try {
      callbackThread = VirtualThreads.start(() -> slot.invoke("x"));
      TestThread.await(entered, "callback entry");
      await().atMost(TestThread.BOUND).until(userLock::hasQueuedThreads);
      e = assertThrows(CallbackDeadlockException.class, slot::reset);
    } finally {
      userLock.unlock();
    }
    assertTrue(VirtualThreads.joined(callbackThread), "the callback did not finish");
    assertContains(e.getMessage(), "it waits for virtual thread #" + callbackThread.getId());
    assertContains(e.lockName(), "ReentrantLock");
    assertEquals("", e.callbackThreadName(), "an unnamed virtual thread");
  }

  @Test
  void reset_virtualCallbackBlockedOnMonitorThePlatformResetterHolds_throwsOnJdk25()
      throws Throwable {
    assumeTrue(
        Runtime.version().feature() >= 25,
        "the JSON thread dump names the monitors of virtual threads from JDK 25 on");
    Object userMonitor = new Object();
    CallbackSlot<String> slot = CallbackSlot.create("conn-11/onMessage");
    CountDownLatch entered = new CountDownLatch(1);
    slot.set(
        v -> {
          entered.countDown();
          synchronized (userMonitor) {
            userMonitor.hashCode();
          }
        });
    Thread callbackThread;
    CallbackDeadlockException e;
    synchronized (userMonitor) {
      callbackThread = VirtualThreads.start(() -> slot.invoke("x"));
      TestThread.await(entered, "callback entry");
      Thread blocked = callbackThread;
      await().atMost(TestThread.BOUND).until(() -> blocked.getState() == Thread.State.BLOCKED);
      e = assertThrows(CallbackDeadlockException.class, slot::reset);
    }
    assertTrue(VirtualThreads.joined(callbackThread), "the callback did not finish");
    assertContains(e.getMessage(), "it waits for virtual thread #" + callbackThread.getId());
    assertContains(e.lockName(), "java.lang.Object@");
  }

  @Test
  void reset_virtualCallbackBlockedOnMonitorAVirtualResetterHolds_throwsOnJdk25() throws Throwable {
    assumeTrue(
        Runtime.version().feature() >= 25,
        "the JSON thread dump names the monitors of virtual threads from JDK 25 on");
    Object userMonitor = new Object();
    CallbackSlot<String> slot = CallbackSlot.create("conn-12/onMessage");
    CountDownLatch entered = new CountDownLatch(1);
    slot.set(
        v -> {
          entered.countDown();
          synchronized (userMonitor) {
            userMonitor.hashCode();
          }
        });
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicReference<Thread> callbackThread = new AtomicReference<>();
    Thread resetter =
        VirtualThreads.start(
            () -> {
              synchronized (userMonitor) {
                try {
                  callbackThread.set(VirtualThreads.start(() -> slot.invoke("x")));
                  TestThread.await(entered, "callback entry");
                  await()
                      .atMost(TestThread.BOUND)
                      .until(() -> callbackThread.get().getState() == Thread.State.BLOCKED);
                  slot.reset();
                } catch (Throwable t) {
                  thrown.set(t);
                }
              }
            });
    assertTrue(VirtualThreads.joined(resetter), "reset hung");
    assertTrue(VirtualThreads.joined(callbackThread.get()), "the callback did not finish");
    CallbackDeadlockException e = assertInstanceOf(CallbackDeadlockException.class, thrown.get());
    assertContains(e.getMessage(), "it waits for virtual thread #" + callbackThread.get().getId());
  }

  @Test
  void reset_virtualCallbackBlockedOnLockAVirtualResetterHolds_isReportedAsAStall()
      throws Throwable {
    assumeTrue(
        Runtime.version().feature() < 26,
        "JDK 26's thread dump names the owner: the case becomes detectable there");
    // No JDK before 26 says who holds a lock on a virtual thread's behalf: this stays a wait,
    // and the stall report names the blocked thread and the lock it is parked on.
    ReentrantLock userLock = new ReentrantLock();
    CallbackSlot<String> slot = CallbackSlot.create("conn-10/onMessage");
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch locked = new CountDownLatch(1);
    slot.set(
        v -> {
          entered.countDown();
          try {
            userLock.lockInterruptibly();
            userLock.unlock();
          } catch (InterruptedException interrupted) {
            throw new IllegalStateException("the test ends the deadlock", interrupted);
          }
        });
    AtomicReference<Thread> callbackThread = new AtomicReference<>();
    List<String> reports;
    Thread resetter;
    try (StallLog log = new StallLog(50)) {
      resetter =
          VirtualThreads.start(
              () -> {
                userLock.lock();
                try {
                  locked.countDown();
                  TestThread.await(entered, "callback entry");
                  slot.reset();
                } finally {
                  userLock.unlock();
                }
              });
      TestThread.await(locked, "the resetter to take the lock");
      callbackThread.set(VirtualThreads.start(() -> slot.invoke("x")));
      reports = log.await(1);
      callbackThread.get().interrupt(); // ends the callback: the deadlock is real
    }
    assertTrue(VirtualThreads.joined(resetter), "reset did not return after the callback ended");
    String report = reports.get(0);
    assertContains(
        report,
        "for slot 'conn-10/onMessage', still running on virtual thread #"
            + callbackThread.get().getId());
    assertContains(report, "parked on java.util.concurrent.locks.ReentrantLock$NonfairSync@");
    assertContains(report, "VirtualThreadDiagnosticsTest.lambda$");
  }

  @Test
  void dump_closeWaitingForAnUnnamedVirtualThread_namesItById() throws Throwable {
    Lifecycle app = Lifecycle.root("app");
    CallbackSlot<String> slot = app.slot("onMessage");
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    slot.set(
        v -> {
          entered.countDown();
          TestThread.await(release, "release of the callback");
        });
    Thread callbackThread = VirtualThreads.start(() -> slot.invoke("x"));
    TestThread.await(entered, "callback entry");
    TestThread closer = TestThread.start("closer", app::close);
    String expected = "running on virtual thread #" + callbackThread.getId();
    try {
      await().atMost(TestThread.BOUND).until(() -> app.dump().contains(expected));
      assertContains(
          app.dump(), "closing on thread 'closer', which waits for slot 'app/onMessage'");
    } finally {
      release.countDown();
    }
    closer.joinOrFail();
    assertTrue(VirtualThreads.joined(callbackThread));
    assertEquals(Lifecycle.State.CLOSED, app.state());
  }
}
