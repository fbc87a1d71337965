package dev.tether.samples.gallery;

import dev.tether.CallbackSlot;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * ABBA cross-reset (libdatachannel issue 1181): thread A, inside slot X's callback, resets slot
 * Y, while thread B, inside Y's callback, resets X. Each reset waits for the other's running
 * callback.
 *
 * <p>The interleaving is forced with one latch: each callback counts down "inside" and waits for
 * the other to be inside too, then resets the other slot. Once both are inside, the naive design
 * hangs and Tether completes under any scheduling; the bound is measured from that moment, and
 * the wait to get there is bounded only by {@link Waits#SET_UP}.
 */
final class CrossResetCase implements GalleryCase {
  @Override
  public String title() {
    return "ABBA cross-reset";
  }

  @Override
  public String reports() {
    return "libdatachannel issue 1181";
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
    NaiveCallback<String> x = new NaiveCallback<>("slot X");
    NaiveCallback<String> y = new NaiveCallback<>("slot Y");
    CountDownLatch bothInside = new CountDownLatch(2);
    CountDownLatch done = new CountDownLatch(2);
    x.set(
        event -> {
          bothInside.countDown();
          Waits.await(bothInside, Waits.SET_UP);
          y.reset();
        });
    y.set(
        event -> {
          bothInside.countDown();
          Waits.await(bothInside, Waits.SET_UP);
          x.reset();
        });
    Thread a =
        Waits.daemon(
            "naive-A",
            () -> {
              x.call("event");
              done.countDown();
            });
    Thread b =
        Waits.daemon(
            "naive-B",
            () -> {
              y.call("event");
              done.countDown();
            });
    if (!Waits.await(bothInside, Waits.SET_UP)) {
      return Outcome.unexpected(
          "the two callbacks were not both running within " + Waits.seconds(Waits.SET_UP), a, b);
    }
    // Each thread holds its own slot's mutex and is about to take the other's: the hang is certain.
    if (Waits.await(done, bound)) {
      return Outcome.unexpected("both resets returned: the naive design did not deadlock");
    }
    if (!y.mutex.confirmBlocks(a, b, Waits.SET_UP) || !x.mutex.confirmBlocks(b, a, Waits.SET_UP)) {
      return Outcome.unexpected(
          "not done after "
              + Waits.seconds(bound)
              + ", but the threads are not waiting for each other",
          a,
          b);
    }
    return Outcome.hung(
        y.mutex.describeWait(a, b)
            + "; "
            + x.mutex.describeWait(b, a)
            + ": still hung after "
            + Waits.seconds(bound),
        a,
        b);
  }

  @Override
  public Outcome runTether(Duration bound) {
    CallbackSlot<String> x = CallbackSlot.create("X");
    CallbackSlot<String> y = CallbackSlot.create("Y");
    AtomicBoolean xRunning = new AtomicBoolean();
    AtomicBoolean yRunning = new AtomicBoolean();
    CountDownLatch bothInside = new CountDownLatch(2);
    CountDownLatch done = new CountDownLatch(2);
    // A reset that returns while the other callback still runs skipped its wait: rule 2.
    List<String> skipped = new CopyOnWriteArrayList<>();
    x.set(event -> crossReset(xRunning, bothInside, y, yRunning, skipped));
    y.set(event -> crossReset(yRunning, bothInside, x, xRunning, skipped));
    Thread a =
        Waits.daemon(
            "tether-A",
            () -> {
              x.invoke("event");
              done.countDown();
            });
    Thread b =
        Waits.daemon(
            "tether-B",
            () -> {
              y.invoke("event");
              done.countDown();
            });
    if (!Waits.await(bothInside, Waits.SET_UP)) {
      return Outcome.unexpected(
          "the two callbacks were not both running within " + Waits.seconds(Waits.SET_UP), a, b);
    }
    long start = System.nanoTime();
    if (!Waits.await(done, bound)) {
      return Outcome.unexpected(
          "Tether's resets did not return within " + Waits.seconds(bound), a, b);
    }
    String elapsed = Waits.since(start);
    if (x.isSet() || y.isSet()) {
      return Outcome.unexpected("a reset returned but its slot is still set");
    }
    if (skipped.size() != 1) {
      return Outcome.unexpected("expected exactly one reset to skip its wait, saw " + skipped);
    }
    String waiter = skipped.get(0).equals(a.getName()) ? b.getName() : a.getName();
    return Outcome.completed(
        "both resets returned in "
            + elapsed
            + ": '"
            + skipped.get(0)
            + "' found the wait cycle and skipped its wait; '"
            + waiter
            + "' waited for the other callback to finish");
  }

  private static void crossReset(
      AtomicBoolean selfRunning,
      CountDownLatch bothInside,
      CallbackSlot<String> other,
      AtomicBoolean otherRunning,
      List<String> skipped) {
    selfRunning.set(true);
    try {
      bothInside.countDown();
      Waits.await(bothInside, Waits.SET_UP);
      other.reset();
      if (otherRunning.get()) {
        skipped.add(Thread.currentThread().getName());
      }
    } finally {
      selfRunning.set(false);
    }
  }
}
