package dev.tether.samples.gallery;

import dev.tether.CallbackSlot;
import dev.tether.Delivery;
import dev.tether.Lifecycle;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Close from inside a callback (libdatachannel issue 131, fixed by PRs 132 and 227; PRs 600 and
 * 690): a connection's callbacks run on its processor, and the state callback closes the
 * connection, whose close waits for the processor to be idle, that is, for itself.
 *
 * <p>No latch forces an interleaving: the naive design hangs on every one. A latch marks the
 * moment the callback starts closing, the bound is measured from there, and the wait for the
 * processor to get there is bounded only by {@link Waits#SET_UP}.
 */
final class CloseFromCallbackCase implements GalleryCase {
  @Override
  public String title() {
    return "close() from inside a callback";
  }

  @Override
  public String reports() {
    return "libdatachannel issue 131; PRs 132, 227, 600, 690";
  }

  @Override
  public Outcome.Kind naiveFailure() {
    return Outcome.Kind.HUNG;
  }

  @Override
  public Outcome.Kind tetherPromise() {
    return Outcome.Kind.COMPLETED;
  }

  @Override
  public Outcome runNaive(Duration bound) {
    NaiveProcessor processor = new NaiveProcessor("naive-processor");
    NaiveCallback<String> onStateChange = new NaiveCallback<>("onStateChange");
    CountDownLatch closing = new CountDownLatch(1);
    CountDownLatch closeReturned = new CountDownLatch(1);
    Runnable close =
        () -> {
          onStateChange
              .reset(); // the recursive mutex lets a reset from inside the callback through
          processor.join();
        };
    onStateChange.set(
        state -> {
          if (state.equals("failed")) {
            closing.countDown();
            close.run();
            closeReturned.countDown();
          }
        });
    processor.enqueue(() -> onStateChange.call("failed"));
    Thread worker = processor.worker();
    if (!Waits.await(closing, Waits.SET_UP)) {
      return Outcome.unexpected(
          "the state callback did not run within " + Waits.seconds(Waits.SET_UP), worker);
    }
    if (Waits.await(closeReturned, bound)) {
      return Outcome.unexpected("close() returned: the naive design did not deadlock");
    }
    if (!Waits.until(processor::isJoiningItself, Waits.SET_UP)) {
      return Outcome.unexpected(
          "close() did not return within "
              + Waits.seconds(bound)
              + ", but the processor is not waiting for itself",
          worker);
    }
    return Outcome.hung(
        "'"
            + worker.getName()
            + "' runs the state callback, whose close() waits"
            + " for the processor to go idle, that is, for itself: still hung after "
            + Waits.seconds(bound),
        worker);
  }

  @Override
  public Outcome runTether(Duration bound) {
    ExecutorService processor =
        Executors.newSingleThreadExecutor(task -> Waits.unstarted("tether-processor", task));
    try {
      Lifecycle connection = Lifecycle.root("connection", Delivery.serialOn(processor));
      CallbackSlot<String> onStateChange = connection.slot("onStateChange");
      CountDownLatch closing = new CountDownLatch(1);
      CountDownLatch closeReturned = new CountDownLatch(1);
      AtomicReference<String> closedOn = new AtomicReference<>();
      long[] closeNanos = new long[1];
      onStateChange.set(
          state -> {
            if (state.equals("failed")) {
              closing.countDown();
              long start = System.nanoTime();
              connection.close();
              closeNanos[0] = System.nanoTime() - start;
              closedOn.set(Thread.currentThread().getName());
              closeReturned.countDown();
            }
          });
      onStateChange.invoke("failed");
      if (!Waits.await(closing, Waits.SET_UP)) {
        return Outcome.unexpected(
            "the state callback did not run within " + Waits.seconds(Waits.SET_UP));
      }
      if (!Waits.await(closeReturned, bound)) {
        return Outcome.unexpected(
            "close() from the callback did not return within " + Waits.seconds(bound));
      }
      String elapsed = Waits.millis(closeNanos[0]);
      if (connection.state() != Lifecycle.State.CLOSED || !onStateChange.isClosed()) {
        return Outcome.unexpected(
            "close() returned but the connection is "
                + connection.state()
                + " and its slot "
                + onStateChange);
      }
      return Outcome.completed(
          "close() from inside the callback returned in "
              + elapsed
              + " on '"
              + closedOn.get()
              + "'; the connection is CLOSED");
    } finally {
      processor.shutdown();
    }
  }
}
