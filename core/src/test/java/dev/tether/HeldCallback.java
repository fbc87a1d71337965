package dev.tether;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A callback that, once entered, keeps its call in flight until the test releases it: the fixture
 * for every test that needs "a callback running on another thread" while something races it.
 */
final class HeldCallback<T> implements Consumer<T> {
  private final CountDownLatch entered = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicInteger finished = new AtomicInteger();

  /**
   * Installs a held callback in {@code slot}, invokes it with {@code value} on a new thread named
   * {@code threadName}, and returns once the call is in flight.
   */
  static <T> HeldCallback<T> inFlight(CallbackSlot<T> slot, T value, String threadName) {
    HeldCallback<T> callback = new HeldCallback<>();
    slot.set(callback);
    callback.invoker = TestThread.start(threadName, () -> slot.invoke(value));
    TestThread.await(callback.entered, "entry of the held callback");
    return callback;
  }

  private TestThread invoker;

  @Override
  public void accept(T value) {
    entered.countDown();
    TestThread.await(release, "release of the held callback");
    finished.incrementAndGet();
  }

  /** How many calls have returned. */
  int finished() {
    return finished.get();
  }

  /** Lets the call return, and joins the invoking thread within the bound. */
  void releaseAndJoin() throws InterruptedException {
    release.countDown();
    invoker.joinOrFail();
  }

  /** Lets the call return without joining. */
  void release() {
    release.countDown();
  }

  /** Joins the invoking thread within the bound. */
  void join() throws InterruptedException {
    invoker.joinOrFail();
  }
}
