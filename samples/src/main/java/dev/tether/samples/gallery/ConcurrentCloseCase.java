package dev.tether.samples.gallery;

import dev.tether.CallbackSlot;
import dev.tether.Lifecycle;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Concurrent close losing {@code onClosed} (libdatachannel PR 1384): two threads close one
 * channel. The winner of the closed flag does the closing work and then fires {@code onClosed};
 * the loser skips the work and resets the callbacks at once, so when the winner fires, the
 * callback is gone.
 *
 * <p>The interleaving is forced with latches: the winner's closing work (in libdatachannel,
 * closing the SCTP stream) waits until the loser has returned from its close (naive), or until
 * the loser is parked inside its close (Tether, where the loser cannot return first).
 */
final class ConcurrentCloseCase implements GalleryCase {
  @Override
  public String title() {
    return "concurrent close() losing onClosed";
  }

  @Override
  public String reports() {
    return "libdatachannel PR 1384";
  }

  @Override
  public Outcome.Kind naiveFailure() {
    return Outcome.Kind.EVENT_LOST;
  }

  @Override
  public Outcome.Kind tetherPromise() {
    return Outcome.Kind.COMPLETED;
  }

  /** The naive channel's close: an atomic closed flag, then a reset that nothing orders. */
  private static final class NaiveChannel {
    final AtomicBoolean closed = new AtomicBoolean();
    final NaiveCallback<String> onClosed = new NaiveCallback<>("onClosed");
    final Runnable closingWork;

    NaiveChannel(Runnable closingWork) {
      this.closingWork = closingWork;
    }

    void close() {
      if (!closed.getAndSet(true)) {
        closingWork.run();
        // libdatachannel's onClosed is a stored callback: a call with none set is kept for a
        // next set(), which never comes on a closed channel. Lost either way.
        onClosed.call("closed");
      }
      onClosed.reset(); // resetCallbacks()
    }
  }

  @Override
  public Outcome runNaive(Duration bound) {
    AtomicInteger fired = new AtomicInteger();
    AtomicIntegerArray sawOnReturn = new AtomicIntegerArray(2);
    CountDownLatch winnerClosing = new CountDownLatch(1);
    CountDownLatch loserReturned = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(2);
    NaiveChannel channel = new NaiveChannel(() -> {
      winnerClosing.countDown();
      Waits.await(loserReturned, bound);
    });
    channel.onClosed.set(event -> fired.incrementAndGet());
    Thread winner = Waits.daemon("naive-closer-1", () -> {
      channel.close();
      sawOnReturn.set(0, fired.get());
      done.countDown();
    });
    Thread loser = Waits.daemon("naive-closer-2", () -> {
      Waits.await(winnerClosing, bound);
      channel.close();
      sawOnReturn.set(1, fired.get());
      loserReturned.countDown();
      done.countDown();
    });
    if (!Waits.await(done, bound.multipliedBy(2))) {
      return Outcome.unexpected("the closers did not return within "
          + Waits.seconds(bound.multipliedBy(2)), winner, loser);
    }
    int saw = sawOnReturn.get(0) + sawOnReturn.get(1);
    if (fired.get() != 0) {
      return Outcome.unexpected("onClosed fired " + fired.get() + " time(s): nothing was lost");
    }
    return Outcome.lost("onClosed fired 0 times (expected once): '" + loser.getName()
        + "' lost the race and reset it before '" + winner.getName() + "' fired it; " + saw
        + " of 2 closers saw it when close() returned");
  }

  @Override
  public Outcome runTether(Duration bound) {
    AtomicInteger fired = new AtomicInteger();
    AtomicIntegerArray sawOnReturn = new AtomicIntegerArray(2);
    CountDownLatch winnerClosing = new CountDownLatch(1);
    CountDownLatch loserCalling = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(2);
    AtomicReference<Thread> loserThread = new AtomicReference<>();
    long[] loserNanos = new long[1];
    AtomicBoolean loserSeenWaiting = new AtomicBoolean();

    Lifecycle channel = Lifecycle.root("channel");
    // Owned resources close in reverse order: the firing step first, then the slot. Firing from
    // inside the one close (not from a closeFuture() listener) is what makes every close()
    // caller return only after onClosed ran: a listener may run after a waiter has returned.
    CallbackSlot<String> onClosed = channel.own(CallbackSlot.create("onClosed"));
    channel.own(() -> {
      winnerClosing.countDown();
      Waits.await(loserCalling, bound);
      Thread loser = loserThread.get();
      loserSeenWaiting.set(Waits.until(() -> Waits.isParked(loser) || done.getCount() < 2, bound)
          && done.getCount() == 2);
      onClosed.invoke("closed");
    });
    onClosed.set(event -> fired.incrementAndGet());

    Thread winner = Waits.daemon("tether-closer-1", () -> {
      channel.close();
      sawOnReturn.set(0, fired.get());
      done.countDown();
    });
    Thread loser = Waits.unstarted("tether-closer-2", () -> {
      Waits.await(winnerClosing, bound);
      loserCalling.countDown();
      long start = System.nanoTime();
      channel.close();
      loserNanos[0] = System.nanoTime() - start;
      sawOnReturn.set(1, fired.get());
      done.countDown();
    });
    loserThread.set(loser);
    loser.start();
    if (!Waits.await(done, bound.multipliedBy(2))) {
      return Outcome.unexpected("the closers did not return within "
          + Waits.seconds(bound.multipliedBy(2)), winner, loser);
    }
    if (fired.get() != 1 || sawOnReturn.get(0) != 1 || sawOnReturn.get(1) != 1) {
      return Outcome.unexpected("onClosed fired " + fired.get() + " time(s); the closers saw "
          + sawOnReturn + " on return (expected once, and [1, 1])");
    }
    if (channel.state() != Lifecycle.State.CLOSED || !onClosed.isClosed()) {
      return Outcome.unexpected("both closers returned but the channel is " + channel.state());
    }
    String loserWait = loserSeenWaiting.get()
        ? "'" + loser.getName() + "' called close() while the winner was closing and waited "
            + Waits.millis(loserNanos[0]) + " for it"
        : "'" + loser.getName() + "' was not seen waiting: the forced interleaving did not happen";
    return Outcome.completed("onClosed fired exactly once; 2 of 2 closers saw it when close()"
        + " returned (" + loserWait + ")");
  }
}
