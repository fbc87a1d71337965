package dev.tether.testkit;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Check e: a kit thread takes a lock, a listener call blocks on that lock, and the kit thread
 * calls {@code close()} while holding it. A close that waits for the running listener can never
 * return: the listener waits for the closer. The verdict is "returned", "failed loudly with
 * ..." (both pass: the library either did not wait, or detected the cycle and said so) or "hung
 * past the bound" (fails).
 */
/*
 * Implementation notes
 *
 * The listener blocks in lockInterruptibly(): a parked thread whose blocker is the lock, so a
 * library that inspects lock owners (ThreadMXBean, as Tether does) can see the cycle. After a
 * hang verdict the kit interrupts the listener's thread, which ends the listener call, so that
 * the close can return and the closing thread can release the lock: the test run goes on either
 * way, the recovery only saves the threads. The listener swallows that interrupt rather than
 * restoring it: the kit made it, and the library's thread should not carry it on.
 */
final class BlockedOnClosersLock {
  private BlockedOnClosersLock() {}

  static RoundResult round(SubjectFactory factory, Budget budget, int round)
      throws InterruptedException {
    long bound = budget.bound().toNanos();
    String name = "e-" + round;
    Recorder recorder = new Recorder(name, round);
    ReentrantLock lock = new ReentrantLock();
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch go = new CountDownLatch(1);
    CountDownLatch entered = new CountDownLatch(1);
    AtomicBoolean armed = new AtomicBoolean();
    Invocation[] blocked = new Invocation[1];
    Subject subject = Battery.open(factory, name, recorder);
    CloseCall call = null;
    try {
      recorder.behave(
          invocation -> {
            if (!armed.compareAndSet(false, true)) {
              return;
            }
            blocked[0] = invocation;
            entered.countDown();
            try {
              lock.lockInterruptibly();
              lock.unlock();
            } catch (InterruptedException kitRecovery) {
              // The kit ended a hang (see the notes): not restored.
            }
          });
      call =
          CloseCall.start(
              subject,
              "testkit-closer-" + name,
              new CloseCall.Hooks() {
                @Override
                public void before() throws InterruptedException {
                  lock.lock();
                  holding.countDown();
                  if (!go.await(3 * bound, TimeUnit.NANOSECONDS)) {
                    lock.unlock();
                    throw new InterruptedException("the kit gave up before close()");
                  }
                }

                @Override
                public void after() {
                  lock.unlock();
                }
              });
      if (!holding.await(bound, TimeUnit.NANOSECONDS)) {
        throw new Battery.AdapterException("the kit's closer thread did not start", null);
      }
      Battery.fire(subject, recorder, "r" + round + "-e1");
      if (!entered.await(bound, TimeUnit.NANOSECONDS)) {
        throw new Battery.AdapterException(
            "no event reached the listener of subject '"
                + name
                + "' within "
                + Battery.millis(bound)
                + " of fire() in round "
                + round,
            null);
      }
      Thread listener = blocked[0].thread;
      long parkDeadline = System.nanoTime() + bound;
      while (!lock.hasQueuedThread(listener) && System.nanoTime() - parkDeadline < 0) {
        Thread.onSpinWait(); // microseconds: the listener is between entered and the lock
      }
      go.countDown();
      CloseCall.Outcome outcome = call.await(bound);
      String verdict = outcome.verdict(bound);
      if (outcome.kind != CloseCall.Outcome.Kind.HUNG) {
        return RoundResult.pass(
            verdict.startsWith("failed loudly")
                ? "failed loudly with " + exceptionName(Battery.describe(outcome.thrown))
                : verdict);
      }
      String listenerStack = Battery.stack(listener);
      String closerStack = Battery.stack(call.thread());
      listener.interrupt();
      CloseCall.Outcome after = call.await(bound);
      return RoundResult.fail(
          verdict
              + ": close() on thread '"
              + call.thread().getName()
              + "', holding the lock that "
              + blocked[0].describe()
              + " was blocked on, neither "
              + "returned nor threw in round "
              + round,
          List.of(
              closerStack,
              listenerStack,
              after.kind == CloseCall.Outcome.Kind.HUNG
                  ? "still hung after the kit interrupted the listener's thread"
                  : "it "
                      + after.verdict(bound)
                      + " once the kit interrupted the listener's "
                      + "thread"));
    } finally {
      go.countDown();
      CloseCall.closeQuietly(subject, "testkit-cleanup-" + name, bound);
    }
  }

  /** "X" of "X: message", or all of it when it has no message. */
  private static String exceptionName(String description) {
    int colon = description.indexOf(':');
    return colon < 0 ? description : description.substring(0, colon);
  }
}
