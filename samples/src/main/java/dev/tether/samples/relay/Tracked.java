package dev.tether.samples.relay;

import dev.tether.CallbackDeadlockException;
import dev.tether.samples.net.Connection;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A connection as the demo watches it: every listener is wrapped by {@link #watch}, which counts
 * a call that began after the connection's close had returned, and keeps the number of calls in
 * flight, so that a close from outside every listener can check that none is still running when
 * it returns: the two halves of the guarantee the demo exists to check.
 */
final class Tracked {
  final Connection connection;
  private final Tally tally;
  private final AtomicInteger onClosedCalls = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();

  /** Set once a close of this connection has returned to a caller outside its listeners. */
  private volatile boolean closeReturned;

  Tracked(Connection connection, Tally tally) {
    this.connection = connection;
    this.tally = tally;
    tally.opened.increment();
    // However it ends (locally, by the peer, by the tree), the node's close completing is the
    // moment after which no listener may start.
    connection
        .lifecycle()
        .closeFuture()
        .whenComplete(
            (ignored, failure) -> {
              closeReturned = true;
              tally.closed.increment();
            });
  }

  /** {@code body}, counted as a listener of this connection. */
  <T> Consumer<T> watch(String listener, Consumer<T> body) {
    return value -> {
      inFlight.incrementAndGet();
      try {
        if (closeReturned) {
          tally.problem(
              tally.callbacksAfterClose,
              connection.path() + ": " + listener + " ran after close() returned");
        }
        body.accept(value);
      } finally {
        inFlight.decrementAndGet();
      }
    };
  }

  Runnable watch(String listener, Runnable body) {
    Consumer<Void> watched = watch(listener, ignored -> body.run());
    return () -> watched.accept(null);
  }

  /** Counts this onClosed call; true for the first. */
  boolean firstOnClosed() {
    if (onClosedCalls.incrementAndGet() == 1) {
      return true;
    }
    tally.problem(tally.duplicateOnClosed, connection.path() + ": onClosed fired twice");
    return false;
  }

  /** Closes from a thread that runs none of this connection's listeners. */
  void closeFromOutside() {
    closeCounting();
    closeReturned = true; // no wait was skipped: nothing of this connection may run from now on
    if (inFlight.get() != 0) {
      tally.problem(
          tally.callbacksAfterClose,
          connection.path() + ": a listener was still running when close() returned");
    }
  }

  /**
   * Closes from inside a listener (this connection's own, or another's): Tether does not wait for
   * the caller's own call, so the check relies on the node's close completing instead.
   */
  void closeFromListener() {
    closeCounting();
  }

  private void closeCounting() {
    try {
      connection.close();
    } catch (CallbackDeadlockException e) {
      tally.problem(tally.deadlocks, connection.path() + ": " + e.getMessage());
    }
  }
}
