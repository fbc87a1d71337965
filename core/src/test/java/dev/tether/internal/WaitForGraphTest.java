package dev.tether.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link WaitForGraph}'s own contract, through its API, on targets the test controls: a wait
 * ends when its target's runners leave, whether or not they wake it; a wait that would close a
 * cycle is given up by exactly the member that rules B1 to B4 of the class notes choose, and the
 * other members keep waiting; {@link WaitForGraph#awaitOutsideCallbacks} never gives up; a runner
 * blocked on a lock the waiter holds ends {@link WaitForGraph#await} with a {@link LockCycle};
 * interrupts are kept; a stalled wait is reported and goes on. Waits through real slots and
 * lifecycles are in {@code CallbackSlotDeadlockTest}, {@code LifecycleOutsideCloserTest} and
 * {@code StallReportTest}.
 *
 * <p>A {@link Target} stands for a slot (its runners run callbacks of it) or a lifecycle's close
 * (its runners are closers). A thread is entered as a runner before it starts, and leaves, waking
 * the graph, when its task has returned. A test sees that a thread is parked in the graph through
 * {@link WaitForGraph#describeWait}, which is non-null exactly while the thread is registered.
 */
class WaitForGraphTest {
  private static final Duration BOUND = Duration.ofSeconds(20);

  /** Long enough for a released or skipping member to have returned: 20 of the longest parks. */
  private static final long STILL_WAITING_MILLIS =
      20 * TimeUnit.NANOSECONDS.toMillis(WaitForGraph.MAX_PARK_NANOS);

  private final List<GraphThread> threads = new ArrayList<>();
  private final List<Target> targets = new ArrayList<>();

  @BeforeEach
  void freshGraph() {
    // No wait of another test class can be part of a cycle found here.
    WaitForGraph.replaceForTesting();
  }

  @AfterEach
  void endEveryWait() throws InterruptedException {
    for (Target target : targets) {
      target.runners.clear();
      WaitForGraph.wake(target);
    }
    for (GraphThread thread : threads) {
      thread.interrupt(); // a thread still blocked on a test latch or lock
      thread.join(BOUND.toMillis());
    }
  }

  @Test
  void await_nothingRunning_returnsNullWithoutRegistering() {
    Target slot = slot("idle");
    long skipped = WaitForGraph.skippedCycles();

    assertNull(WaitForGraph.await(slot));

    assertNull(WaitForGraph.describeWait(Thread.currentThread()));
    assertEquals(skipped, WaitForGraph.skippedCycles());
  }

  @Test
  void await_callerIsTheOnlyRunner_returnsAtOnce() {
    Target slot = slot("own");
    slot.runners.add(Thread.currentThread());
    long skipped = WaitForGraph.skippedCycles();

    assertNull(WaitForGraph.await(slot)); // a wait never waits for its own call

    assertNull(WaitForGraph.describeWait(Thread.currentThread()));
    assertEquals(skipped, WaitForGraph.skippedCycles(), "a wait for itself taken for a cycle");
  }

  @Test
  void await_runnerStillRunning_waitsUntilItLeavesAndWakes() throws Exception {
    Target slot = slot("onMessage");
    CountDownLatch release = new CountDownLatch(1);
    GraphThread runner = start("runner", List.of(slot), () -> hold(release));
    AtomicReference<@Nullable LockCycle> result = new AtomicReference<>();
    GraphThread waiter = start("waiter", List.of(), () -> result.set(WaitForGraph.await(slot)));
    awaitRegistered(waiter);

    assertStillWaiting(waiter);
    release.countDown();

    waiter.joinOrFail();
    assertNull(result.get());
    assertNull(WaitForGraph.describeWait(waiter));
    runner.joinOrFail();
  }

  /** The hot path may lose a wake-up: every park is timed, so the wait still ends. */
  @Test
  void await_runnerLeavesWithoutWaking_returnsOnATimedPark() throws Exception {
    Target slot = slot("onMessage");
    CountDownLatch release = new CountDownLatch(1);
    GraphThread runner = start("runner", List.of(slot), () -> hold(release));
    GraphThread waiter = start("waiter", List.of(), () -> WaitForGraph.await(slot));
    awaitRegistered(waiter);

    slot.runners.remove(runner); // its call ended, and its wake-up was lost

    waiter.joinOrFail();
    release.countDown();
    runner.joinOrFail();
  }

  @Test
  void await_interruptedWhileWaiting_keepsWaitingAndRestoresTheInterrupt() throws Exception {
    Target slot = slot("onMessage");
    CountDownLatch release = new CountDownLatch(1);
    GraphThread runner = start("runner", List.of(slot), () -> hold(release));
    AtomicBoolean interruptedOnReturn = new AtomicBoolean();
    GraphThread waiter =
        start(
            "waiter",
            List.of(),
            () -> {
              WaitForGraph.await(slot);
              interruptedOnReturn.set(Thread.currentThread().isInterrupted());
            });
    awaitRegistered(waiter);

    waiter.interrupt();
    assertStillWaiting(waiter);
    release.countDown();

    waiter.joinOrFail();
    assertTrue(interruptedOnReturn.get(), "the interrupt was not restored");
    runner.joinOrFail();
  }

  @Test
  void describeWait_parkedWaiter_namesTheTargetAndEachRunner() throws Exception {
    Target slot = slot("onMessage");
    CountDownLatch release = new CountDownLatch(1);
    GraphThread runner = start("runner-1", List.of(slot), () -> hold(release));
    GraphThread waiter = start("waiter", List.of(), () -> WaitForGraph.await(slot));
    awaitRegistered(waiter);

    String description = WaitForGraph.describeWait(waiter);

    assertNotNull(description);
    assertTrue(description.startsWith("waits for slot 'onMessage'"), description);
    assertTrue(description.contains("running on thread 'runner-1'"), description);
    assertTrue(description.contains("at "), "the runner's stack: " + description);
    assertNull(WaitForGraph.describeWait(runner), "a runner that does not wait");
    release.countDown();
    waiter.joinOrFail();
    runner.joinOrFail();
  }

  /**
   * Rule B2: of two threads each inside a callback that the other waits for, the one whose wait
   * closes the cycle gives it up; the other keeps waiting until that callback returns.
   */
  @Test
  void await_crossWaitOfTwoCallbackRunners_arrivingThreadGivesUpAndTheOtherKeepsWaiting()
      throws Exception {
    Target first = slot("first");
    Target second = slot("second");
    AtomicBoolean earlyWaitingOnReturn = new AtomicBoolean();
    GraphThread early = thread("early", List.of(first), () -> WaitForGraph.await(second));
    GraphThread late =
        thread(
            "late",
            List.of(second),
            () -> {
              assertNull(WaitForGraph.await(first));
              earlyWaitingOnReturn.set(WaitForGraph.describeWait(early) != null);
            });
    long skipped = WaitForGraph.skippedCycles();
    early.start();
    awaitRegistered(early);

    late.start();

    late.joinOrFail();
    early.joinOrFail();
    assertTrue(earlyWaitingOnReturn.get(), "the early member gave up too, or instead");
    assertEquals(skipped + 1, WaitForGraph.skippedCycles());
  }

  /**
   * Rule B1: a member inside a callback of what its own wait encloses gives up (the reentrant
   * rule), even when the thread that closes the cycle is inside a callback too and would give up
   * under rule B2.
   */
  @Test
  void await_memberWaitingOnWhatEnclosesItsCallback_givesUpAndTheArrivingThreadKeepsWaiting()
      throws Exception {
    Target slot = slot("conn/onMessage");
    Target enclosing = slot("conn");
    enclosing.enclosed.add(slot);
    AtomicBoolean arrivingWaitingOnReturn = new AtomicBoolean();
    long skipped = WaitForGraph.skippedCycles();
    GraphThread late = thread("late", List.of(enclosing), () -> WaitForGraph.await(slot));
    GraphThread inside =
        start(
            "inside",
            List.of(slot),
            () -> {
              assertNull(WaitForGraph.await(enclosing));
              arrivingWaitingOnReturn.set(WaitForGraph.describeWait(late) != null);
            });
    awaitRegistered(inside);

    late.start();

    inside.joinOrFail();
    late.joinOrFail();
    assertTrue(arrivingWaitingOnReturn.get(), "the arriving thread gave up, not the enclosed one");
    assertEquals(skipped + 1, WaitForGraph.skippedCycles());
  }

  /**
   * Rule B3, the outside closer: a thread inside no callback (a closer) whose wait for a callback
   * closes a cycle keeps waiting; the member running that callback gives up its wait for the
   * close, on its next wake-up.
   */
  @Test
  void await_closerOutsideCallbacksClosesACycle_callbackRunnerGivesUpAndTheCloserKeepsWaiting()
      throws Exception {
    Target slot = slot("conn/onMessage");
    Target close = closer("conn");
    AtomicBoolean closerWaitingOnReturn = new AtomicBoolean();
    long skipped = WaitForGraph.skippedCycles();
    GraphThread outside =
        thread("outside-closer", List.of(close), () -> assertNull(WaitForGraph.await(slot)));
    GraphThread runner =
        start(
            "runner",
            List.of(slot),
            () -> {
              assertNull(WaitForGraph.await(close));
              closerWaitingOnReturn.set(WaitForGraph.describeWait(outside) != null);
            });
    awaitRegistered(runner);

    outside.start();

    runner.joinOrFail();
    outside.joinOrFail();
    assertTrue(closerWaitingOnReturn.get(), "the outside closer gave up its wait");
    assertEquals(skipped + 1, WaitForGraph.skippedCycles());
  }

  /** Rule B4: in a cycle made only of closers, the thread whose wait closes it gives up. */
  @Test
  void await_cycleMadeOnlyOfClosers_arrivingThreadGivesUp() throws Exception {
    Target parent = closer("parent");
    Target child = closer("parent/child");
    AtomicBoolean earlyWaitingOnReturn = new AtomicBoolean();
    GraphThread early = thread("early", List.of(parent), () -> WaitForGraph.await(child));
    GraphThread late =
        thread(
            "late",
            List.of(child),
            () -> {
              assertNull(WaitForGraph.await(parent));
              earlyWaitingOnReturn.set(WaitForGraph.describeWait(early) != null);
            });
    long skipped = WaitForGraph.skippedCycles();
    early.start();
    awaitRegistered(early);

    late.start();

    late.joinOrFail();
    early.joinOrFail();
    assertTrue(earlyWaitingOnReturn.get(), "the early closer gave up too, or instead");
    assertEquals(skipped + 1, WaitForGraph.skippedCycles());
  }

  /**
   * One arrival that closes two cycles: the first, alone, would be broken at another member
   * (rule B3), the second only at the arriving thread (rule B2). The arriving thread's giving up
   * breaks both, so the member chosen for the first is put back and keeps waiting.
   */
  @Test
  void await_arrivalClosingTwoCyclesThatItsGivingUpBreaks_putsBackTheMemberChosenFirst()
      throws Exception {
    Target both = slot("both"); // runners: a, then b (the first cycle found goes through a)
    Target closeOfArriving = closer("arriving's node"); // a waits for it
    Target slotOfArriving = slot("arriving's slot"); // b waits for it
    GraphThread a = thread("a", List.of(both), () -> WaitForGraph.await(closeOfArriving));
    GraphThread b = thread("b", List.of(both), () -> WaitForGraph.await(slotOfArriving));
    AtomicReference<String> waitingOnReturn = new AtomicReference<>();
    GraphThread arriving =
        thread(
            "arriving",
            List.of(closeOfArriving, slotOfArriving),
            () -> {
              assertNull(WaitForGraph.await(both));
              waitingOnReturn.set(
                  (WaitForGraph.describeWait(a) != null)
                      + "/"
                      + (WaitForGraph.describeWait(b) != null));
            });
    a.start();
    awaitRegistered(a);
    b.start();
    awaitRegistered(b);
    long skipped = WaitForGraph.skippedCycles();

    arriving.start();

    arriving.joinOrFail();
    a.joinOrFail();
    b.joinOrFail();
    assertEquals("true/true", waitingOnReturn.get(), "a/b still registered when arriving returned");
    assertEquals(skipped + 1, WaitForGraph.skippedCycles(), "one wait given up, not two");
  }

  /**
   * A thread that must never give up (the fresh thread a close walk is handed to) closes a cycle
   * made only of closers: it registers, and the other member, on its next wake-up, gives up
   * instead (rule B4 from that member's side).
   */
  @Test
  void awaitOutsideCallbacks_closingACycleOfClosers_neverGivesUpAndTheOtherMemberDoes()
      throws Exception {
    Target parent = closer("parent");
    Target child = closer("parent/child");
    AtomicBoolean handedOffWaitingOnReturn = new AtomicBoolean();
    GraphThread fresh =
        thread("fresh", List.of(parent), () -> WaitForGraph.awaitOutsideCallbacks(child));
    GraphThread early =
        start(
            "early",
            List.of(child),
            () -> {
              assertNull(WaitForGraph.await(parent));
              handedOffWaitingOnReturn.set(WaitForGraph.describeWait(fresh) != null);
            });
    awaitRegistered(early);

    fresh.start();

    early.joinOrFail();
    fresh.joinOrFail();
    assertTrue(handedOffWaitingOnReturn.get(), "awaitOutsideCallbacks gave up its wait");
  }

  /** The runner is blocked on a lock the waiter holds: no wait rule can end that wait. */
  @Test
  void await_runnerBlockedOnALockTheWaiterHolds_returnsTheLockCycle() throws Exception {
    Target slot = slot("onMessage");
    ReentrantLock userLock = new ReentrantLock();
    CountDownLatch locked = new CountDownLatch(1);
    AtomicReference<@Nullable LockCycle> result = new AtomicReference<>();
    AtomicBoolean registeredOnReturn = new AtomicBoolean(true);
    GraphThread waiter =
        start(
            "waiter",
            List.of(),
            () -> {
              userLock.lock();
              try {
                locked.countDown();
                await().atMost(BOUND).until(userLock::hasQueuedThreads);
                result.set(WaitForGraph.await(slot));
                registeredOnReturn.set(WaitForGraph.describeWait(Thread.currentThread()) != null);
              } finally {
                userLock.unlock();
              }
            });
    GraphThread runner =
        start(
            "runner",
            List.of(slot),
            () -> {
              awaitLatch(locked);
              userLock.lock();
              userLock.unlock();
            });

    waiter.joinOrFail();
    runner.joinOrFail();
    LockCycle cycle = result.get();
    assertNotNull(cycle, "the wait ended without a lock cycle");
    assertEquals(ThreadNames.id(runner), cycle.callbackThreadId());
    assertEquals("runner", cycle.callbackThreadName());
    assertTrue(cycle.lockName().contains("ReentrantLock"), cycle.lockName());
    assertFalse(registeredOnReturn.get(), "the waiter stayed registered");
  }

  @Test
  void awaitOutsideCallbacks_runnerBlockedOnALockTheWaiterHolds_keepsWaiting() throws Exception {
    Target slot = slot("onMessage");
    ReentrantLock userLock = new ReentrantLock();
    CountDownLatch locked = new CountDownLatch(1);
    GraphThread waiter =
        start(
            "waiter",
            List.of(),
            () -> {
              userLock.lock();
              try {
                locked.countDown();
                await().atMost(BOUND).until(userLock::hasQueuedThreads);
                WaitForGraph.awaitOutsideCallbacks(slot);
              } finally {
                userLock.unlock();
              }
            });
    GraphThread runner =
        start(
            "runner",
            List.of(slot),
            () -> {
              awaitLatch(locked);
              try {
                userLock.lockInterruptibly();
                userLock.unlock();
              } catch (InterruptedException stopped) {
                // the test gives up the lock and leaves the slot, which ends the wait
              }
            });
    awaitRegistered(waiter);

    // Past the first lock probes (50 ms, then doubling): await would have returned by now.
    assertFalse(
        waiter.done.await(
            10 * TimeUnit.NANOSECONDS.toMillis(WaitForGraph.LOCK_PROBE_GRACE_NANOS),
            TimeUnit.MILLISECONDS),
        "awaitOutsideCallbacks returned while the runner was still blocked");
    assertNotNull(WaitForGraph.describeWait(waiter));
    runner.interrupt();

    runner.joinOrFail();
    waiter.joinOrFail();
  }

  @Test
  void await_pastTheStallThreshold_reportsTheWaitAndGoesOnWaiting() throws Exception {
    Target slot = slot("onMessage");
    CountDownLatch release = new CountDownLatch(1);
    List<String> reports = new CopyOnWriteArrayList<>();
    CountDownLatch reported = new CountDownLatch(1);
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            reports.add(record.getMessage());
            reported.countDown();
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    Logger logger = Logger.getLogger(StallWatch.LOGGER);
    String previous = System.getProperty(StallWatch.THRESHOLD_PROPERTY);
    System.setProperty(StallWatch.THRESHOLD_PROPERTY, "50");
    logger.addHandler(capture);
    try {
      GraphThread runner = start("stuck-runner", List.of(slot), () -> hold(release));
      GraphThread waiter = start("stalled-waiter", List.of(), () -> WaitForGraph.await(slot));

      awaitLatch(reported);
      assertNotNull(WaitForGraph.describeWait(waiter), "the wait ended at its report");
      release.countDown();
      waiter.joinOrFail();
      runner.joinOrFail();
    } finally {
      logger.removeHandler(capture);
      if (previous == null) {
        System.clearProperty(StallWatch.THRESHOLD_PROPERTY);
      } else {
        System.setProperty(StallWatch.THRESHOLD_PROPERTY, previous);
      }
    }
    String report = reports.get(0);
    assertTrue(report.startsWith("thread 'stalled-waiter' has waited "), report);
    assertTrue(report.contains("for slot 'onMessage', still running on thread 'stuck-runner'"));
  }

  @Test
  void awaitAsync_nothingRunning_isCompletedAtOnce() {
    assertTrue(WaitForGraph.awaitAsync(slot("idle")).isDone());
  }

  /** Unlike {@link WaitForGraph#await}, an asynchronous wait counts the caller's own call. */
  @Test
  void awaitAsync_callerIsTheRunner_completesOnlyAfterItLeaves() throws Exception {
    Target slot = slot("own");
    slot.runners.add(Thread.currentThread());
    CompletableFuture<Void> quiet = WaitForGraph.awaitAsync(slot);
    assertFalse(quiet.isDone());

    slot.runners.remove(Thread.currentThread());
    WaitForGraph.wake(slot);

    quiet.get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** An asynchronous wait re-checks on a back-off timer too, so a lost wake-up only delays it. */
  @Test
  void awaitAsync_runnerLeavesWithoutWaking_completesOnItsTimer() throws Exception {
    Target slot = slot("onMessage");
    CountDownLatch release = new CountDownLatch(1);
    GraphThread runner = start("runner", List.of(slot), () -> hold(release));
    CompletableFuture<Void> quiet = WaitForGraph.awaitAsync(slot);
    assertFalse(quiet.isDone());

    slot.runners.remove(runner); // its call ended, and its wake-up was lost

    quiet.get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
    release.countDown();
    runner.joinOrFail();
  }

  // ---------------------------------------------------------------------------------------------

  /** A slot: its runners run callbacks of it. */
  private Target slot(String name) {
    Target target = new Target("slot '" + name + "'", name, true);
    targets.add(target);
    return target;
  }

  /** A lifecycle's close: its runners are closing threads, inside no callback of it. */
  private Target closer(String path) {
    Target target = new Target("the close of lifecycle '" + path + "'", path, false);
    targets.add(target);
    return target;
  }

  /**
   * Starts a thread entered as a runner of {@code runs} before it starts; when {@code task} has
   * returned it leaves them and wakes their waiters.
   */
  private GraphThread start(String name, List<Target> runs, Task task) {
    GraphThread thread = thread(name, runs, task);
    thread.start();
    return thread;
  }

  /** As {@link #start}, but not started yet: already a runner, for a wait set up before it. */
  private GraphThread thread(String name, List<Target> runs, Task task) {
    GraphThread thread = new GraphThread(name, runs, task);
    for (Target target : runs) {
      target.runners.add(thread);
    }
    threads.add(thread);
    return thread;
  }

  private static void awaitRegistered(Thread thread) {
    await()
        .atMost(BOUND)
        .until(() -> WaitForGraph.describeWait(thread) != null || !thread.isAlive());
    assertNotNull(WaitForGraph.describeWait(thread), thread.getName() + " never waited");
  }

  /** Asserts that {@code waiter}, registered, has not returned within a bounded time. */
  private static void assertStillWaiting(GraphThread waiter) throws InterruptedException {
    assertFalse(
        waiter.done.await(STILL_WAITING_MILLIS, TimeUnit.MILLISECONDS),
        waiter.getName() + " returned while its target was still running");
    assertNotNull(WaitForGraph.describeWait(waiter));
  }

  /**
   * A runner's call: returns when the test releases it, within twice the bound, so that a waiter
   * that hangs is reported as the hang (its join fails first) rather than ended by the runner.
   */
  private static void hold(CountDownLatch release) throws InterruptedException {
    if (!release.await(2 * BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
      fail("the runner was never released");
    }
  }

  private static void awaitLatch(CountDownLatch latch) throws InterruptedException {
    if (!latch.await(BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
      fail("timed out after " + BOUND);
    }
  }

  /** What a test thread does; may throw anything. */
  @FunctionalInterface
  private interface Task {
    void run() throws Throwable;
  }

  private static final class GraphThread extends Thread {
    final CountDownLatch done = new CountDownLatch(1);
    private final List<Target> runs;
    private final Task task;
    private volatile @Nullable Throwable failure;

    GraphThread(String name, List<Target> runs, Task task) {
      super(name);
      this.runs = runs;
      this.task = task;
      setDaemon(true);
    }

    @Override
    public void run() {
      try {
        task.run();
      } catch (Throwable t) {
        failure = t;
      } finally {
        for (Target target : runs) {
          target.runners.remove(this);
          WaitForGraph.wake(target);
        }
        done.countDown();
      }
    }

    /** Joins within the bound; fails with the thread's stack if it hangs, or with its failure. */
    void joinOrFail() throws InterruptedException {
      join(BOUND.toMillis());
      if (isAlive()) {
        String stack =
            Arrays.stream(getStackTrace()).map(e -> "\n\tat " + e).collect(Collectors.joining());
        fail("thread '" + getName() + "' did not end within " + BOUND + " (hang):" + stack);
      }
      Throwable thrown = failure;
      if (thrown != null) {
        throw new AssertionError("thread '" + getName() + "' failed", thrown);
      }
    }
  }

  /**
   * A {@link Quiescible} the test drives: its runners are whatever threads the test enters; it
   * keeps them in the order they were entered, so that the graph's search meets them in that
   * order.
   */
  private static final class Target implements Quiescible {
    final Set<Thread> runners = new CopyOnWriteArraySet<>();
    final Set<Quiescible> enclosed = new CopyOnWriteArraySet<>();
    private final String description;
    private final String name;
    private final boolean waitsForCallbacks;

    Target(String description, String name, boolean waitsForCallbacks) {
      this.description = description;
      this.name = name;
      this.waitsForCallbacks = waitsForCallbacks;
    }

    @Override
    public void collectBlockers(
        @Nullable Thread excluded, Collection<Thread> out, boolean requestWake) {
      for (Thread runner : runners) {
        if (runner != excluded) {
          out.add(runner);
        }
      }
    }

    @Override
    public boolean waitsForCallbacks() {
      return waitsForCallbacks;
    }

    @Override
    public boolean encloses(Quiescible other) {
      return other == this || enclosed.contains(other);
    }

    @Override
    public String describe() {
      return description;
    }

    @Override
    public String targetName() {
      return name;
    }

    @Override
    public Object identity() {
      return this;
    }
  }
}
