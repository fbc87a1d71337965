package dev.tether.samples.relay;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the relay demo counts, from every thread; the report and its verdict are made of it.
 * Thread-safe: the counters are adders and the problem list a concurrent queue.
 */
final class Tally {
  final LongAdder opened = new LongAdder();
  final LongAdder closed = new LongAdder();
  final LongAdder sent = new LongAdder();
  final LongAdder delivered = new LongAdder();

  /** Messages sent but not delivered because a chaos close (or a failed connect) ended the pair. */
  final LongAdder lostToClose = new LongAdder();

  /** Messages neither delivered nor explained by a close: a violation. */
  final LongAdder unaccounted = new LongAdder();

  /**
   * Client connects that failed (refused, reset, no file descriptor): the machine's refusal, not
   * Tether's; reported apart, never as a deadlock.
   */
  final LongAdder connectFailures = new LongAdder();

  /** Client connects still pending at {@code --connect-timeout}, given up and closed. */
  final LongAdder connectTimeouts = new LongAdder();

  final LongAdder chaosCloses = new LongAdder();

  /** Of the chaos closes, those made from the main thread, outside every listener. */
  final LongAdder outsideCloses = new LongAdder();

  /** onError calls: expected under chaos (a write racing the peer's close), a problem without. */
  final LongAdder connectionErrors = new LongAdder();

  /** A listener of a connection started after that connection's close had returned. */
  final LongAdder callbacksAfterClose = new LongAdder();

  /**
   * Waits that are really stuck: a close that did not return within the demo's timeout, a node
   * left CLOSING, a CallbackDeadlockException. Never a connect that did not complete.
   */
  final LongAdder deadlocks = new LongAdder();

  /**
   * Clients still running at {@code --timeout} although no close of theirs is stuck: traffic that
   * stopped (a lost message, say).
   */
  final LongAdder stalledClients = new LongAdder();

  /** onClosed fired twice for one connection. */
  final LongAdder duplicateOnClosed = new LongAdder();

  /** A message arrived out of its sender's order. */
  final LongAdder outOfOrder = new LongAdder();

  /** A listener threw something the demo did not expect. */
  final LongAdder unexpectedErrors = new LongAdder();

  /**
   * Connections still open once both clients of their pair had ended, or not CLOSED after the
   * root's close returned; leak reports.
   */
  final LongAdder leakedNodes = new LongAdder();

  /** Live threads at the end of a soak beyond those at its start. */
  final LongAdder leakedThreads = new LongAdder();

  /** The first few things that went wrong, in words. */
  final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();

  private final AtomicInteger recorded = new AtomicInteger();

  /** The first failed connect, in words; the others are only counted. */
  final AtomicReference<String> firstConnectFailure = new AtomicReference<>();

  /**
   * Counts a failed connect without taking one of the few problem lines: a refusing machine
   * fails thousands at once, and they must not hide a real violation.
   */
  void connectFailed(String what) {
    connectFailures.increment();
    firstConnectFailure.compareAndSet(null, what);
  }

  void problem(LongAdder counter, String what) {
    counter.increment();
    if (recorded.getAndIncrement() < 10) {
      problems.add(what);
    }
  }

  /** The broken invariants; empty when the run is good. */
  List<String> violations(boolean chaos, long expectedMessages) {
    List<String> broken = new ArrayList<>();
    check(broken, callbacksAfterClose, "callbacks after close() returned");
    check(broken, deadlocks, "deadlocks or hung waits");
    check(broken, stalledClients, "clients stalled (no close stuck)");
    check(broken, leakedNodes, "leaked nodes");
    check(broken, leakedThreads, "leaked threads");
    check(broken, unaccounted, "messages unaccounted for");
    check(broken, duplicateOnClosed, "duplicate onClosed");
    check(broken, outOfOrder, "messages out of order");
    check(broken, unexpectedErrors, "unexpected listener errors");
    if (opened.sum() != closed.sum()) {
      broken.add("connections opened " + opened.sum() + " but closed " + closed.sum());
    }
    if (!chaos && (sent.sum() != expectedMessages || delivered.sum() != expectedMessages)) {
      broken.add(
          "without chaos every message arrives: expected "
              + expectedMessages
              + ", sent "
              + sent.sum()
              + ", delivered "
              + delivered.sum());
    }
    if (delivered.sum() > sent.sum()) {
      broken.add("delivered " + delivered.sum() + " > sent " + sent.sum());
    } else if (sent.sum() != delivered.sum() + lostToClose.sum() + unaccounted.sum()) {
      broken.add(
          "sent "
              + sent.sum()
              + " != delivered "
              + delivered.sum()
              + " + lost to closes "
              + lostToClose.sum()
              + " + unaccounted "
              + unaccounted.sum());
    }
    return broken;
  }

  private static void check(List<String> broken, LongAdder counter, String what) {
    if (counter.sum() != 0) {
      broken.add(what + ": " + counter.sum());
    }
  }
}
