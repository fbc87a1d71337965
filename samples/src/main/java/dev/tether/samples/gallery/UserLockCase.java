package dev.tether.samples.gallery;

import dev.tether.CallbackDeadlockException;
import dev.tether.CallbackSlot;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A callback that takes a user lock that the resetting thread holds: the application thread
 * locks its session and resets the message callback, which is running on the I/O thread and
 * waiting for the session lock. libdatachannel's tracker names no issue for this one; it follows
 * from {@code synchronized_callback} running every callback with its mutex held and from the
 * absence of any lock-order check, and it is the user-lock form of issue 1181.
 *
 * <p>The interleaving is forced with latches: the callback is running before the application
 * takes the session lock, and takes the lock only once the application holds it; the
 * application resets once the callback is queued on the session lock. From then on the naive
 * design hangs and Tether throws under any scheduling; the bound is measured from the reset, and
 * the wait to get there is bounded only by {@link Waits#SET_UP}. (Tether also throws when the
 * reset comes first; its lock probe then backs off, which only makes the report slower.)
 */
final class UserLockCase implements GalleryCase {
  @Override
  public String title() {
    return "callback takes a user lock the resetter holds";
  }

  @Override
  public String reports() {
    return "no issue number: synchronized_callback's design; issue 1181's user-lock form";
  }

  @Override
  public Outcome.Kind naiveFailure() {
    return Outcome.Kind.HUNG;
  }

  @Override
  public Outcome.Kind tetherPromise() {
    return Outcome.Kind.DEADLOCK_REPORTED;
  }

  @Override
  public Outcome runNaive(Duration bound) {
    NaiveCallback<String> onMessage = new NaiveCallback<>("onMessage");
    InspectableLock session = new InspectableLock("the session lock");
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch sessionLocked = new CountDownLatch(1);
    CountDownLatch resetting = new CountDownLatch(1);
    CountDownLatch resetReturned = new CountDownLatch(1);
    onMessage.set(
        message -> {
          inside.countDown();
          Waits.await(sessionLocked, Waits.SET_UP);
          session.lock();
          session.unlock();
        });
    Thread io = Waits.daemon("naive-io", () -> onMessage.call("message"));
    Thread app =
        Waits.daemon(
            "naive-app",
            () -> {
              Waits.await(inside, Waits.SET_UP);
              session.lock();
              try {
                sessionLocked.countDown();
                Waits.until(() -> session.hasQueuedThread(io), Waits.SET_UP);
                resetting.countDown();
                onMessage.reset();
                resetReturned.countDown();
              } finally {
                session.unlock();
              }
            });
    if (!Waits.await(inside, Waits.SET_UP) || !Waits.await(resetting, Waits.SET_UP)) {
      return Outcome.unexpected(
          "the callback and the reset were not both under way within "
              + Waits.seconds(Waits.SET_UP),
          io,
          app);
    }
    // The callback holds onMessage's mutex, the application holds the session lock, and each is
    // about to take the other's: the hang is certain.
    if (Waits.await(resetReturned, bound)) {
      return Outcome.unexpected("reset() returned: the naive design did not deadlock");
    }
    if (!onMessage.mutex.confirmBlocks(app, io, Waits.SET_UP)
        || !session.confirmBlocks(io, app, Waits.SET_UP)) {
      return Outcome.unexpected(
          "reset() did not return within "
              + Waits.seconds(bound)
              + ", but the threads are not waiting for each other",
          io,
          app);
    }
    return Outcome.hung(
        onMessage.mutex.describeWait(app, io)
            + "; "
            + session.describeWait(io, app)
            + ": still hung after "
            + Waits.seconds(bound),
        io,
        app);
  }

  @Override
  public Outcome runTether(Duration bound) {
    CallbackSlot<String> onMessage = CallbackSlot.create("onMessage");
    InspectableLock session = new InspectableLock("the session lock");
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch sessionLocked = new CountDownLatch(1);
    CountDownLatch resetting = new CountDownLatch(1);
    CountDownLatch resetReturned = new CountDownLatch(1);
    CountDownLatch callbackReturned = new CountDownLatch(1);
    AtomicReference<CallbackDeadlockException> thrown = new AtomicReference<>();
    onMessage.set(
        message -> {
          inside.countDown();
          Waits.await(sessionLocked, Waits.SET_UP);
          session.lock();
          session.unlock();
          callbackReturned.countDown();
        });
    Thread io = Waits.daemon("tether-io", () -> onMessage.invoke("message"));
    long[] resetNanos = new long[1];
    Thread app =
        Waits.daemon(
            "tether-app",
            () -> {
              Waits.await(inside, Waits.SET_UP);
              session.lock();
              try {
                sessionLocked.countDown();
                Waits.until(() -> session.hasQueuedThread(io), Waits.SET_UP);
                resetting.countDown();
                long start = System.nanoTime();
                try {
                  onMessage.reset();
                } catch (CallbackDeadlockException e) {
                  thrown.set(e);
                }
                resetNanos[0] = System.nanoTime() - start;
                resetReturned.countDown();
              } finally {
                session.unlock(); // lets the stuck call finish
              }
            });
    if (!Waits.await(inside, Waits.SET_UP) || !Waits.await(resetting, Waits.SET_UP)) {
      return Outcome.unexpected(
          "the callback and the reset were not both under way within "
              + Waits.seconds(Waits.SET_UP),
          io,
          app);
    }
    if (!Waits.await(resetReturned, bound)) {
      return Outcome.unexpected(
          "Tether's reset() did not return within " + Waits.seconds(bound), io, app);
    }
    CallbackDeadlockException e = thrown.get();
    if (e == null) {
      return Outcome.unexpected("reset() returned without CallbackDeadlockException");
    }
    if (!e.waitingThreadName().equals(app.getName())
        || !e.callbackThreadName().equals(io.getName())
        || !e.getMessage().contains("'onMessage'")) {
      return Outcome.unexpected(
          "the diagnostic names the wrong slot or threads: " + e.getMessage());
    }
    if (onMessage.isSet()) {
      return Outcome.unexpected("CallbackDeadlockException was thrown but the slot is still set");
    }
    if (!Waits.await(callbackReturned, bound)) {
      return Outcome.unexpected("the stuck call did not finish once the session lock was free", io);
    }
    return Outcome.reported(
        "reset() threw after "
            + Waits.millis(resetNanos[0])
            + ": "
            + CallbackDeadlockException.class.getSimpleName()
            + ": "
            + headline(e.getMessage())
            + " The slot is reset; the stuck call finished once the application released the lock.");
  }

  /**
   * The message up to the lock chain, which only repeats the lock here: the slot, both threads
   * and the lock, with the elision marked.
   */
  static String headline(String message) {
    int end = message.indexOf(", directly or through others");
    return end < 0 ? message : message.substring(0, end) + " [...]";
  }
}
