package dev.tether.samples.relay;

import dev.tether.CallbackDeadlockException;
import dev.tether.samples.net.Connection;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A connection as the demo watches it: every listener starts with {@link #listenerStarts}, which
 * counts a call that began after the connection's close had returned: the guarantee the demo
 * exists to check.
 */
final class Tracked {
  final Connection connection;
  private final Tally tally;
  private final AtomicInteger onClosedCalls = new AtomicInteger();
  /** Set once a close of this connection has returned to a caller outside its listeners. */
  private volatile boolean closeReturned;

  Tracked(Connection connection, Tally tally) {
    this.connection = connection;
    this.tally = tally;
    tally.opened.increment();
    // However it ends (locally, by the peer, by the tree), the node's close completing is the
    // moment after which no listener may start.
    connection.lifecycle().closeFuture().whenComplete((ignored, failure) -> {
      closeReturned = true;
      tally.closed.increment();
    });
  }

  void listenerStarts(String listener) {
    if (closeReturned) {
      tally.problem(tally.callbacksAfterClose,
          connection.path() + ": " + listener + " ran after close() returned");
    }
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
